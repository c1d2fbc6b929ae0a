import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { buildConfig, ConfigError, loadConfig } from '../../src/config/load-config.js';

test('defaults: loopback:8080, SQLite under ./data, 32 MiB body limit, no providers', () => {
  const c = buildConfig({}, {});
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 8080);
  assert.equal(c.dbPath, './data/switchboard.db');
  assert.equal(c.bodyLimitBytes, 32 * 1024 * 1024);
  assert.deepEqual(c.providers, []);
});

test('OPENAI_API_KEY + OPENAI_BASE_URL alone declare the openai provider', () => {
  const c = buildConfig({}, { OPENAI_API_KEY: 'sk-x', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', ANTHROPIC_API_KEY: 'a' });
  assert.deepEqual(c.providers.map((p) => [p.name, p.kind, p.baseUrl, p.apiKey]), [
    ['openai', 'openai', 'http://127.0.0.1:9/v1', 'sk-x'],
    ['anthropic', 'anthropic', 'https://api.anthropic.com/v1', 'a'],
  ]);
});

test('YAML file with providers, aliases, keys; env overrides port/db', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-config-'));
  const path = join(dir, 'switchboard.yaml');
  writeFileSync(path, [
    'server: { port: 9000, body_limit_mb: 4 }',
    'database: { path: /tmp/x.db }',
    'auth:',
    '  api_keys: [sk-a, { key_env: MY_KEY, tenant: team-b, id: b }]',
    'providers:',
    '  - name: vllm',
    '    kind: openai-chat',
    '    base_url: http://127.0.0.1:8000/v1',
    '    api_key_env: VLLM_KEY',
    '    headers: { X-Org: acme }',
    '    drop_unsupported: true',
    '    models: [qwen3-8b]',
    'models:',
    '  fast: vllm/qwen3-8b',
    '  smart: [vllm/qwen3-8b, vllm/other]',
  ].join('\n'));
  const c = loadConfig({ path, env: { VLLM_KEY: 'vk', MY_KEY: 'mk', SWITCHBOARD_PORT: '9100' } });
  assert.equal(c.port, 9100);
  assert.equal(c.dbPath, '/tmp/x.db');
  assert.equal(c.bodyLimitBytes, 4 * 1024 * 1024);
  assert.deepEqual(c.apiKeys, [{ key: 'sk-a', tenant: 'default', id: 'key_0' }, { key: 'mk', tenant: 'team-b', id: 'b' }]);
  const p = c.providers[0];
  assert.equal(p.apiKey, 'vk');
  assert.deepEqual(p.headers, { 'X-Org': 'acme' });
  assert.equal(p.dropUnsupported, true);
  assert.deepEqual(c.aliases, { fast: ['vllm/qwen3-8b'], smart: ['vllm/qwen3-8b', 'vllm/other'] });
});

test('configuration mistakes are reported, not ignored', () => {
  assert.throws(() => buildConfig({ providers: [{ name: 'x', kind: 'nope', base_url: 'http://a' }] }, {}), ConfigError);
  assert.throws(() => buildConfig({ providers: [{ name: 'x', kind: 'openai-chat' }] }, {}), /base_url/);
  assert.throws(() => buildConfig({ providers: [{ name: 'x', kind: 'openai-chat', base_url: 'http://a', api_key_env: 'MISSING' }] }, {}), /MISSING/);
  assert.throws(() => buildConfig({ server: { port: 'abc' } }, {}), /server.port/);
  assert.throws(() => loadConfig({ path: '/nonexistent/switchboard.yaml', env: {} }), /not found/);
  assert.throws(() => buildConfig({ database: { writer: 'threads' } }, {}), /database.writer: one of auto, thread, inline/);
});

test('an unknown setting is an error naming it, at every level (a typo must not leave a default in place)', () => {
  const provider = { name: 'x', kind: 'openai-chat', base_url: 'http://a' };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ aliases: { fast: 'x/m' } }, /^aliases: unknown setting \(the top level takes server, database, background, auth, providers, models, files, idempotency, tools, containers, vector_stores, fetch\)$/],
    [{ tools: { web_searh: { backend: 'brave' } } }, /^tools\.web_searh: unknown setting/],
    [{ tools: { mcp: { allowed_hosts: [] } } }, /^tools\.mcp\.allowed_hosts: unknown setting/],
    [{ server: { prot: 8080 } }, /^server\.prot: unknown setting/],
    [{ database: { file: 'a.db' } }, /^database\.file: unknown setting/],
    [{ auth: { keys: ['k'] } }, /^auth\.keys: unknown setting/],
    [{ auth: { api_keys: [{ key: 'k', tenat: 't' }] } }, /^auth\.api_keys\[0\]\.tenat: unknown setting/],
    [{ files: { max_upload: 5 } }, /^files\.max_upload: unknown setting/],
    [{ fetch: { allow: [] } }, /^fetch\.allow: unknown setting/],
    [{ providers: [{ ...provider, 'base-url': 'http://b' }] }, /^providers\[0\]\.base-url: unknown setting/],
    [{ providers: [{ ...provider, timeouts: { connect: 5 } }] }, /^providers\[0\]\.timeouts\.connect: unknown setting/],
    [{ providers: [{ ...provider, retry: { retries: 5 } }] }, /^providers\[0\]\.retry\.retries: unknown setting/],
    [{ providers: [{ ...provider, fetch_remote: { images: true } }] }, /^providers\[0\]\.fetch_remote\.images: unknown setting/],
  ];
  for (const [file, message] of cases) assert.throws(() => buildConfig(file, {}), (err: Error) => err instanceof ConfigError && message.test(err.message), JSON.stringify(file));
});

test("the README's configuration example is a valid file, every setting in it known", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1];
  const c = buildConfig(parseYaml(yaml) as Record<string, unknown>, { VLLM_API_KEY: 'v', TEAM_B_KEY: 'b' });
  assert.equal(c.providers[0].name, 'vllm');
  assert.deepEqual(c.aliases.fast, ['vllm/qwen3-8b']);
  assert.equal(c.apiKeys.length, 2);
});

test('database.writer: auto by default, set by the file or SWITCHBOARD_DB_WRITER (env wins)', () => {
  assert.equal(buildConfig({}, {}).dbWriter, 'auto');
  assert.equal(buildConfig({ database: { writer: 'inline' } }, {}).dbWriter, 'inline');
  assert.equal(buildConfig({ database: { writer: 'inline' } }, { SWITCHBOARD_DB_WRITER: 'thread' }).dbWriter, 'thread');
});

test('logging: server.log_level (info by default; SWITCHBOARD_LOG_LEVEL wins), log_requests unchanged', () => {
  assert.equal(buildConfig({}, {}).logLevel, 'info');
  assert.equal(buildConfig({ server: { log_level: 'debug' } }, {}).logLevel, 'debug');
  assert.equal(buildConfig({ server: { log_level: 'debug' } }, { SWITCHBOARD_LOG_LEVEL: 'warn' }).logLevel, 'warn');
  assert.equal(buildConfig({ server: { log_requests: true } }, {}).logRequests, true);
  assert.throws(() => buildConfig({ server: { log_level: 'loud' } }, {}), (err: Error) => err instanceof ConfigError && /^server\.log_level: one of fatal, error/.test(err.message));
});

test('upstream timeouts: a minute to a streamed first event, five for a whole answer, one shared deadline', () => {
  const provider = { name: 'p', kind: 'openai-chat', base_url: 'http://127.0.0.1:9/v1' };
  const c = buildConfig({ providers: [provider] }, {});
  assert.deepEqual(c.providers[0].timeouts, { connect: 10_000, firstByte: 60_000, nonStream: 300_000, idle: 300_000, keepAliveMax: 300_000 });
  assert.equal(c.upstreamDeadlineMs, 300_000);
  const set = buildConfig({
    server: { upstream_deadline_ms: 1000 },
    providers: [{ ...provider, timeouts: { connect_ms: 1, first_byte_ms: 2, non_stream_ms: 3, idle_ms: 4, keepalive_max_ms: 5 } }],
  }, {});
  assert.deepEqual(set.providers[0].timeouts, { connect: 1, firstByte: 2, nonStream: 3, idle: 4, keepAliveMax: 5 });
  assert.equal(set.upstreamDeadlineMs, 1000);
  // Providers declared by environment variables get the same defaults.
  assert.deepEqual(buildConfig({}, { OPENAI_API_KEY: 'k' }).providers[0].timeouts, c.providers[0].timeouts);
});

test('idempotency: keys live 24 h and answers up to 16 MiB are kept by default; the file or SWITCHBOARD_IDEMPOTENCY_TTL_SECONDS set them', () => {
  assert.deepEqual(buildConfig({}, {}).idempotency, { ttlMs: 86_400_000, maxRecordedBytes: 16 * 1024 * 1024 });
  assert.deepEqual(buildConfig({ idempotency: { ttl_seconds: 60, max_recorded_mb: 2 } }, {}).idempotency, { ttlMs: 60_000, maxRecordedBytes: 2 * 1024 * 1024 });
  assert.equal(buildConfig({ idempotency: { ttl_seconds: 60 } }, { SWITCHBOARD_IDEMPOTENCY_TTL_SECONDS: '5' }).idempotency.ttlMs, 5_000);
  assert.throws(() => buildConfig({ idempotency: { ttl_seconds: 0 } }, {}), (err: Error) => err instanceof ConfigError && /^idempotency\.ttl_seconds: expected a whole number ≥ 1/.test(err.message));
  assert.throws(() => buildConfig({ idempotency: { ttl_hours: 1 } }, {}), (err: Error) => err instanceof ConfigError && /^idempotency\.ttl_hours: unknown setting/.test(err.message));
});
