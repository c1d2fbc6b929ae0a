/** `tools:`, `containers:` and `vector_stores:` in the configuration, and their environment variables. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig, ConfigError } from '../../src/config/load-config.js';

test('defaults: file search, MCP and the code interpreter on; no web search; 10 turns', () => {
  const c = buildConfig({}, {});
  assert.equal(c.tools.maxTurns, 10);
  assert.equal(c.tools.webSearch, null);
  assert.equal(c.tools.fileSearch, true);
  assert.deepEqual(c.tools.mcp?.allowHosts, []);
  assert.equal(c.tools.codeInterpreter?.timeoutMs, 30_000);
  assert.deepEqual(c.containers, { idleMinutes: 20, maxFileBytes: 100 * 1024 * 1024 });
  assert.equal(c.vectorStores.embeddings, null);
});

test('a search backend with its key from the environment; env settings win', () => {
  const c = buildConfig({ tools: { web_search: { backend: 'brave', api_key_env: 'BRAVE_KEY', max_results: 3 } } }, {
    BRAVE_KEY: 'secret', SWITCHBOARD_MAX_TOOL_TURNS: '4', SWITCHBOARD_CODE_INTERPRETER: 'false', SWITCHBOARD_MCP_ALLOW_HOSTS: '127.0.0.1, 10.0.0.0/8',
  });
  assert.equal(c.tools.webSearch?.backend, 'brave');
  assert.equal(c.tools.webSearch?.apiKey, 'secret');
  assert.equal(c.tools.webSearch?.maxResults, 3);
  assert.equal(c.tools.maxTurns, 4);
  assert.equal(c.tools.codeInterpreter, null);
  assert.deepEqual(c.tools.mcp?.allowHosts, ['127.0.0.1', '10.0.0.0/8']);
});

test('bad values name their path', () => {
  assert.throws(() => buildConfig({ tools: { web_search: { backend: 'google' } } }, {}), (e: Error) => e instanceof ConfigError && /tools\.web_search\.backend/.test(e.message));
  assert.throws(() => buildConfig({ tools: { max_turns: 0 } }, {}), (e: Error) => e instanceof ConfigError && /tools\.max_turns/.test(e.message));
  assert.throws(() => buildConfig({ vector_stores: { vector_weight: 2 } }, {}), (e: Error) => e instanceof ConfigError && /vector_stores\.vector_weight/.test(e.message));
  assert.throws(() => buildConfig({ providers: [{ name: 'o', kind: 'openai', base_url: 'http://a', server_tools: 'both' }] }, {}),
    (e: Error) => e instanceof ConfigError && /providers\[0\]\.server_tools/.test(e.message));
});

test('embeddings for hybrid ranking, and server_tools on a provider', () => {
  const c = buildConfig({
    vector_stores: { embeddings: { base_url: 'http://127.0.0.1:9/v1', model: 'e', api_key_env: 'EMB' } },
    providers: [{ name: 'o', kind: 'openai', base_url: 'http://a', api_key: 'k', server_tools: 'switchboard' }],
  }, { EMB: 'ek' });
  assert.equal(c.vectorStores.embeddings?.api_key, 'ek');
  assert.equal(c.vectorStores.embeddings?.model, 'e');
  assert.equal(c.providers[0].serverTools, 'switchboard');
});
