/** Retries and fallbacks happen before the first byte reaches the client; the Response names who answered. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { readSse, startSwitchboard, type TestServer } from '../helpers/switchboard.js';

let primary: FakeUpstream;
let fallback: FakeAnthropic;
let sb: TestServer;

before(async () => {
  primary = await startFakeChatCompletions();
  fallback = await startFakeAnthropic();
  sb = await startSwitchboard({
    providers: [
      // Backoff waits are at least half the cap (full jitter): ≥ 50 ms before the 2nd attempt, ≥ 100 ms before the 3rd.
      { name: 'local', kind: 'openai-chat', base_url: primary.baseUrl, retry: { max: 2, base_ms: 100, max_ms: 200 }, timeouts: { first_byte_ms: 400 } },
      { name: 'claude', kind: 'anthropic', base_url: fallback.baseUrl, api_key: 'ak', retry: { max: 0 } },
      // The same upstream with an ordinary backoff of ≥ 15 s: only an honoured `retry-after` retries quickly.
      { name: 'patient', kind: 'openai-chat', base_url: primary.baseUrl, retry: { max: 1, base_ms: 30_000, max_ms: 30_000, max_retry_after_ms: 60_000 } },
    ],
    models: { smart: ['local/qwen3', 'claude/claude-haiku-4-5'] },
  });
  recordArrivals();
});
after(async () => { await sb.close(); await primary.close(); await fallback.close(); });

function counts() {
  return { p: primary.received.length, f: fallback.received.length };
}

/** When the primary fake received each request (performance.now()), recorded as the fake logs it. */
const arrivals: number[] = [];
function recordArrivals() {
  const push = primary.received.push.bind(primary.received);
  primary.received.push = (...items) => { for (const _ of items) arrivals.push(performance.now()); return push(...items); };
}

test('5xx then success: retried on the same provider, with backoff', async () => {
  const before = counts();
  const firstArrival = arrivals.length;
  primary.enqueue({ kind: 'error', status: 500, message: 'boom' }, { kind: 'error', status: 503, message: 'busy' });
  const r = await sb.client().responses.create({ model: 'smart', input: 'hi' });
  assert.equal(r.status, 'completed');
  assert.equal(r.model, 'local/qwen3');
  assert.equal(primary.received.length - before.p, 3);
  assert.equal(fallback.received.length - before.f, 0);
  // Backoff: the waits before the 2nd and 3rd attempts are at least base/2 = 50 ms and 2·base/2 = 100 ms
  // (a few ms of slack for timer granularity). Retrying at once would leave gaps of a few ms.
  const [a1, a2, a3] = arrivals.slice(firstArrival);
  assert.ok(a2 - a1 >= 45, `wait before the 2nd attempt: ${(a2 - a1).toFixed(1)} ms`);
  assert.ok(a3 - a2 >= 95, `wait before the 3rd attempt: ${(a3 - a2).toFixed(1)} ms`);
});

test('429 honours retry-after: 0 (an ordinary backoff here would wait ≥ 15 s)', { timeout: 10_000 }, async () => {
  const before = counts();
  primary.enqueue({ kind: 'error', status: 429, message: 'slow down', headers: { 'retry-after': '0' } });
  const started = Date.now();
  const r = await sb.client().responses.create({ model: 'patient/qwen3', input: 'hi' });
  assert.equal(r.model, 'patient/qwen3');
  assert.equal(r.status, 'completed');
  assert.equal(primary.received.length - before.p, 2);
  assert.ok(Date.now() - started < 5_000, 'retried without the ordinary backoff');
});

test('primary keeps failing → the fallback (another vendor) answers, and the Response says so', async () => {
  const before = counts();
  primary.enqueue(...Array.from({ length: 3 }, () => ({ kind: 'error' as const, status: 500, message: 'down' })));
  fallback.enqueue({ kind: 'reply', text: 'from claude' });
  const r = await sb.client().responses.create({ model: 'smart', input: 'hi' });
  assert.equal(r.output_text, 'from claude');
  assert.equal(r.model, 'claude/claude-haiku-4-5');
  assert.equal(primary.received.length - before.p, 3);
  assert.equal(fallback.received.length - before.f, 1);
  assert.equal(fallback.received.at(-1)!.body.model, 'claude-haiku-4-5');
  const row = await sb.db.selectFrom('responses').select('model').where('id', '=', r.id).executeTakeFirstOrThrow();
  assert.equal(row.model, 'claude/claude-haiku-4-5');
});

test('a hung primary times out and the fallback answers a streamed request', async () => {
  const before = counts();
  primary.enqueue({ kind: 'hang' }, { kind: 'hang' }, { kind: 'hang' });
  fallback.enqueue({ kind: 'reply', text: 'rescued' });
  const res = await sb.post('/v1/responses', { model: 'smart', input: 'hi', stream: true });
  assert.equal(primary.received.length - before.p, 3, 'each of the three tries of the primary timed out');
  assert.equal(fallback.received.length - before.f, 1);
  assert.equal(res.status, 200);
  const events = (await readSse(res)).slice(0, -1).map((f) => f.data);
  assert.equal(events[0].type, 'response.created');
  assert.equal(events[0].response.model, 'claude/claude-haiku-4-5');
  assert.equal(events.at(-1).response.output[0].content[0].text, 'rescued');
});

test('upstream 401 is not retried but does fall back', async () => {
  const before = counts();
  primary.enqueue({ kind: 'error', status: 401, message: 'bad key' });
  fallback.enqueue({ kind: 'reply', text: 'ok' });
  const r = await sb.client().responses.create({ model: 'smart', input: 'hi' });
  assert.equal(r.model, 'claude/claude-haiku-4-5');
  assert.equal(primary.received.length - before.p, 1);
});

test('every route failing → the last error, response stored as failed', async () => {
  const failedIds = async () => new Set((await sb.db.selectFrom('responses').select('id').where('status', '=', 'failed').execute()).map((r) => r.id));
  const earlier = await failedIds();
  primary.enqueue(...Array.from({ length: 3 }, () => ({ kind: 'error' as const, status: 500, message: 'down' })));
  fallback.enqueue({ kind: 'error', status: 529, message: 'Overloaded' });
  const res = await sb.post('/v1/responses', { model: 'smart', input: 'hi' });
  assert.equal(res.status, 502);
  const body = await res.json();
  assert.match(body.error.message, /Overloaded/);
  const added = [...await failedIds()].filter((id) => !earlier.has(id));
  assert.equal(added.length, 1, 'one response stored as failed');
  const stored = await (await fetch(`${sb.url}/v1/responses/${added[0]}`)).json();
  assert.equal(stored.status, 'failed');
  assert.match(stored.error.message, /Overloaded/);
  assert.equal(stored.error.code, 'upstream_error');
});

test('a fallback that cannot honour a parameter is skipped, not an error', async () => {
  // seed: openai-chat honours it, anthropic does not → only the primary is eligible
  primary.enqueue(...Array.from({ length: 3 }, () => ({ kind: 'error' as const, status: 500, message: 'down' })));
  const before = counts();
  const res = await sb.post('/v1/responses', { model: 'smart', input: 'hi', seed: 7 });
  assert.equal(res.status, 502);
  assert.equal(fallback.received.length - before.f, 0);
});
