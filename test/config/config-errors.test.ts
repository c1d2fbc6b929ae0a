/**
 * Each wrong setting stops start-up with a ConfigError naming the setting (its path in the file, or the
 * environment variable) and what it expects, instead of falling back to a default or failing later.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig, ConfigError } from '../../src/config/load-config.js';

const provider = { name: 'x', kind: 'openai-chat', base_url: 'http://127.0.0.1:8000/v1' };

function rejects(file: Record<string, unknown>, env: Record<string, string>, message: RegExp) {
  assert.throws(() => buildConfig(file, env), (err: Error) => {
    assert.ok(err instanceof ConfigError, `a ConfigError, not ${err}`);
    assert.match(err.message, message);
    return true;
  });
}

test('drop_unsupported: "yes" is refused (it used to mean false)', () => {
  rejects({ providers: [{ ...provider, drop_unsupported: 'yes' }] }, {}, /^providers\[0\]\.drop_unsupported: expected true or false, got "yes"$/);
});

test('host: 123 is refused (it used to mean 127.0.0.1)', () => {
  rejects({ server: { host: 123 } }, {}, /^server\.host: expected a hostname or IP address, got 123$/);
});

test('log_requests: "yes" is refused (it used to mean false)', () => {
  rejects({ server: { log_requests: 'yes' } }, {}, /^server\.log_requests: expected true or false, got "yes"$/);
});

test('fetch_remote.image: "true" is refused (it used to mean false)', () => {
  rejects({ providers: [{ ...provider, fetch_remote: { image: 'true' } }] }, {}, /^providers\[0\]\.fetch_remote\.image: expected true or false, got "true"$/);
});

test('an alias written as a map is refused (it used to become "[object Object]")', () => {
  rejects({ models: { fast: { provider: 'x', model: 'm' } } }, {}, /^models\.fast: expected 'provider\/model' or a non-empty list of them, got a mapping$/);
  rejects({ models: { fast: [] } }, {}, /^models\.fast: expected 'provider\/model' or a non-empty list/);
  rejects({ models: { fast: ['x/m', { a: 1 }] } }, {}, /^models\.fast: expected 'provider\/model'/);
});

test('port: 99999 is refused at start-up (it used to fail at listen)', () => {
  rejects({ server: { port: 99999 } }, {}, /^server\.port: expected a whole number from 0 to 65535, got 99999$/);
  rejects({ server: { port: 80.5 } }, {}, /^server\.port: expected a whole number/);
});

test('base_url: "not a url" is refused at start-up (it used to fail on the first request)', () => {
  rejects({ providers: [{ ...provider, base_url: 'not a url' }] }, {}, /^providers\[0\]\.base_url: expected an http\(s\) URL such as http:\/\/127\.0\.0\.1:8000\/v1, got "not a url"$/);
  rejects({ providers: [{ ...provider, base_url: 'ftp://host/v1' }] }, {}, /^providers\[0\]\.base_url: expected an http\(s\) URL/);
  rejects({ providers: [{ ...provider, base_url: undefined }] }, {}, /^providers\[0\]\.base_url: expected an http\(s\) URL .*, but it is missing$/);
});

test('every problem in the file is listed, each with its path', () => {
  rejects({ server: { port: 'abc', host: 1 }, providers: [{ ...provider, kind: 'nope' }] }, {},
    /^server\.host: .*; server\.port: .*; providers\[0\]\.kind: one of openai-chat, openai, anthropic, gemini, got "nope"$/);
});

test('a setting that stays right still gets its default, and a key with no value means the default', () => {
  const c = buildConfig({ server: null, providers: [{ ...provider, base_url: 'http://127.0.0.1:8000/v1/', timeouts: null }] }, {});
  assert.equal(c.port, 8080);
  assert.equal(c.providers[0].baseUrl, 'http://127.0.0.1:8000/v1', 'trailing slash dropped');
  assert.deepEqual(c.providers[0].timeouts, { connect: 10_000, firstByte: 60_000, nonStream: 300_000, idle: 300_000, keepAliveMax: 300_000 });
});

test('environment: a wrong value names the variable and what it expects', () => {
  rejects({}, { SWITCHBOARD_PORT: 'abc' }, /^SWITCHBOARD_PORT: expected a whole number from 0 to 65535, got "abc"$/);
  rejects({}, { PORT: '70000' }, /^PORT: expected a whole number from 0 to 65535, got 70000$/);
  rejects({}, { SWITCHBOARD_BODY_LIMIT_MB: '0' }, /^SWITCHBOARD_BODY_LIMIT_MB: expected a whole number ≥ 1, got 0$/);
  rejects({}, { SWITCHBOARD_LOG_REQUESTS: 'maybe' }, /^SWITCHBOARD_LOG_REQUESTS: expected true, false, 1 or 0, got "maybe"$/);
  rejects({}, { SWITCHBOARD_DB_WRITER: 'x' }, /^SWITCHBOARD_DB_WRITER: one of auto, thread, inline, got "x"$/);
  rejects({}, { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: 'api.anthropic.com' }, /^ANTHROPIC_BASE_URL: expected an http\(s\) URL/);
  rejects({}, { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: 'not a url' }, /^OPENAI_BASE_URL: expected an http\(s\) URL/);
  rejects({}, { GEMINI_API_KEY: 'k', GEMINI_BASE_URL: 'localhost:9000' }, /^GEMINI_BASE_URL: expected an http\(s\) URL/);
});

test('environment: booleans take true/false/1/0, numbers are read as numbers, env wins over the file', () => {
  for (const [raw, want] of [['true', true], ['1', true], ['TRUE', true], ['false', false], ['0', false]] as const) {
    assert.equal(buildConfig({ server: { log_requests: !want } }, { SWITCHBOARD_LOG_REQUESTS: raw }).logRequests, want, raw);
  }
  const c = buildConfig({ server: { port: 9000, host: '127.0.0.1', body_limit_mb: 4 }, database: { path: 'a.db' }, files: { dir: 'f' } }, {
    PORT: '9001', SWITCHBOARD_PORT: '9002', SWITCHBOARD_HOST: '::1', SWITCHBOARD_BODY_LIMIT_MB: '2', SWITCHBOARD_DB: 'b.db', SWITCHBOARD_FILES_DIR: 'g',
  });
  assert.deepEqual([c.port, c.host, c.bodyLimitBytes, c.dbPath, c.files.dir], [9002, '::1', 2 * 1024 * 1024, 'b.db', 'g']);
  assert.equal(buildConfig({}, { PORT: '9001' }).port, 9001);
  assert.equal(buildConfig({ server: { port: 9000 } }, { SWITCHBOARD_PORT: '' }).port, 9000, 'an empty variable is unset');
});

test('a wrong file value is reported even when the environment overrides it', () => {
  rejects({ server: { port: 'abc' } }, { SWITCHBOARD_PORT: '9000' }, /^server\.port: expected a whole number/);
});

test('an api_key_env that is not set is an error naming it; secrets from the file or env resolve', () => {
  rejects({ providers: [{ ...provider, api_key_env: 'NOT_SET_ANYWHERE' }] }, {}, /^providers\[0\]: environment variable NOT_SET_ANYWHERE is not set$/);
  rejects({ auth: { api_keys: [{ tenant: 't' }] } }, {}, /^auth\.api_keys\[0\]: needs key_env \(or key\)$/);
  const c = buildConfig({ providers: [{ ...provider, api_key_env: 'K' }, { ...provider, name: 'y', api_key: 'lit' }, { ...provider, name: 'z' }] }, { K: 'from-env' });
  assert.deepEqual(c.providers.map((p) => p.apiKey), ['from-env', 'lit', '']);
});
