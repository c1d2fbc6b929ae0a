/**
 * Structured logs: the request line, and one line per upstream error, retry and failover, each with the request
 * id, provider, model, attempt and upstream status — and never a secret or a word of the conversation. The log
 * stream is captured as the server writes it (the pino destination).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../src/log/logger.js';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { readSse, startSwitchboard, type TestServer } from '../helpers/switchboard.js';

const CLIENT_KEY = 'sk-switchboard-CLIENT-SECRET-5d1f';
const UPSTREAM_KEY = 'sk-upstream-PRIMARY-SECRET-77aa';
const FALLBACK_KEY = 'sk-ant-FALLBACK-SECRET-0c3e';
const INPUT = 'INPUT-TEXT-never-logged-91b2';
const INSTRUCTIONS = 'INSTRUCTIONS-never-logged-4e7d';
const OUTPUT = 'OUTPUT-TEXT-never-logged-c3a0';
const ARGUMENTS = 'TOOL-ARGS-never-logged-2f6b';
const NEVER = [CLIENT_KEY, UPSTREAM_KEY, FALLBACK_KEY, INPUT, INSTRUCTIONS, OUTPUT, ARGUMENTS];

let primary: FakeUpstream;
let fallback: FakeAnthropic;
let sb: TestServer;
let captured = '';

before(async () => {
  primary = await startFakeChatCompletions();
  fallback = await startFakeAnthropic();
  const log = createLogger('debug', { write(chunk: string) { captured += chunk; } });
  sb = await startSwitchboard({
    server: { log_requests: true },
    auth: { api_keys: [CLIENT_KEY] },
    providers: [
      { name: 'local', kind: 'openai-chat', base_url: primary.baseUrl, api_key: UPSTREAM_KEY, retry: { max: 2, base_ms: 5, max_ms: 10 } },
      { name: 'claude', kind: 'anthropic', base_url: fallback.baseUrl, api_key: FALLBACK_KEY, retry: { max: 0 } },
    ],
    models: { smart: ['local/qwen3', 'claude/claude-haiku-4-5'] },
  }, {}, { log });
});
after(async () => { await sb.close(); await primary.close(); await fallback.close(); });

function lines(): Record<string, any>[] {
  return captured.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

test('a request that retries and fails over logs each step with its ids and statuses, and nothing secret', async () => {
  // Vendors echo request content in error messages (a FastAPI 422 quotes the body): those are not logged.
  primary.enqueue(
    { kind: 'error', status: 500, message: `boom near ${INPUT}` },
    { kind: 'error', status: 503, message: 'busy' },
    { kind: 'error', status: 500, message: 'down' },
  );
  fallback.enqueue({ kind: 'reply', text: OUTPUT, toolCalls: [{ name: 'lookup', arguments: JSON.stringify({ q: ARGUMENTS }) }] });
  const res = await sb.post('/v1/responses', {
    model: 'smart', input: INPUT, instructions: INSTRUCTIONS,
    tools: [{ type: 'function', name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } }],
  }, { authorization: `Bearer ${CLIENT_KEY}` });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.model, 'claude/claude-haiku-4-5');
  const requestId = res.headers.get('x-request-id')!;

  const mine = lines().filter((l) => l.request_id === requestId);
  const errors = mine.filter((l) => l.msg === 'upstream error');
  assert.deepEqual(errors.map((l) => [l.level, l.provider, l.model, l.attempt, l.status, l.code]), [
    ['warn', 'local', 'qwen3', 1, 500, 'upstream_error'],
    ['warn', 'local', 'qwen3', 2, 503, 'upstream_error'],
    ['warn', 'local', 'qwen3', 3, 500, 'upstream_error'],
  ]);
  const retries = mine.filter((l) => l.msg === 'upstream retry');
  assert.deepEqual(retries.map((l) => [l.provider, l.model, l.attempt, l.status]), [['local', 'qwen3', 2, 500], ['local', 'qwen3', 3, 503]]);
  for (const r of retries) assert.ok(typeof r.delay_ms === 'number' && r.delay_ms >= 0 && r.delay_ms <= 10);
  const failovers = mine.filter((l) => l.msg === 'upstream failover');
  assert.deepEqual(failovers.map((l) => [l.level, l.provider, l.model, l.attempt, l.status, l.to_provider, l.to_model]), [
    ['warn', 'local', 'qwen3', 3, 500, 'claude', 'claude-haiku-4-5'],
  ]);
  const request = mine.find((l) => l.msg === 'request')!;
  assert.equal(request.level, 'info');
  assert.equal(request.status, 200);
  assert.equal(request.method, 'POST');
  assert.ok(typeof request.time === 'string' && !Number.isNaN(Date.parse(request.time)));

  for (const secret of NEVER) assert.ok(!captured.includes(secret), `${secret} appears in the logs`);
});

test('a failure after the response started is logged too, without the partial output', async () => {
  primary.enqueue({ kind: 'drop-mid-stream', text: OUTPUT });
  const res = await sb.post('/v1/responses', { model: 'local/qwen3', input: INPUT, stream: true }, { authorization: `Bearer ${CLIENT_KEY}` });
  const frames = await readSse(res);
  assert.equal(frames.at(-2)!.data.type, 'response.failed');
  const requestId = res.headers.get('x-request-id')!;
  const error = lines().find((l) => l.request_id === requestId && l.msg === 'upstream error')!;
  assert.deepEqual([error.provider, error.model, error.attempt, error.status, error.code], ['local', 'qwen3', 1, null, 'upstream_connection_error']);
  for (const secret of NEVER) assert.ok(!captured.includes(secret), `${secret} appears in the logs`);
});

test('a key or a message logged by mistake is redacted', () => {
  let out = '';
  const log = createLogger('info', { write(chunk: string) { out += chunk; } });
  log.info({ headers: { authorization: `Bearer ${CLIENT_KEY}`, 'x-api-key': FALLBACK_KEY }, body: { input: INPUT, instructions: INSTRUCTIONS } }, 'oops');
  assert.match(out, /"msg":"oops"/);
  for (const secret of [CLIENT_KEY, FALLBACK_KEY, INPUT, INSTRUCTIONS]) assert.ok(!out.includes(secret), `${secret} appears`);
});
