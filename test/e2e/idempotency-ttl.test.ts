/**
 * Idempotency settings at their edges: keys expire `idempotency.ttl_seconds` after their first request (then
 * the key is new again); an answer larger than `idempotency.max_recorded_mb` is not kept, and its key says so.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { startSwitchboard, type TestServer } from '../helpers/switchboard.js';

let fake: FakeUpstream;
let sb: TestServer;

before(async () => {
  fake = await startFakeChatCompletions();
  sb = await startSwitchboard({
    providers: [{ name: 'vllm', kind: 'openai-chat', base_url: fake.baseUrl, retry: { max: 0 } }],
    // 3 s: a generous bound for two loopback requests inside it, on a loaded machine.
    idempotency: { ttl_seconds: 3, max_recorded_mb: 1 },
  });
});
after(async () => { await sb.close(); await fake.close(); });

test('within the TTL the key replays; after it, the same key and body run anew', async () => {
  const body = { model: 'vllm/m', input: 'ttl' };
  const headers = { 'idempotency-key': 'ttl-key' };
  await (await sb.post('/v1/responses', { model: 'vllm/m', input: 'warm-up' })).text(); // a first request's one-off costs
  const first = await (await sb.post('/v1/responses', body, headers)).json();
  const replay = await sb.post('/v1/responses', body, headers);
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  assert.equal((await replay.json()).id, first.id);
  assert.equal(fake.received.length, 2);
  const { expires_at } = await sb.db.selectFrom('idempotency_records').select('expires_at').where('key', '=', 'ttl-key').executeTakeFirstOrThrow();
  await new Promise((r) => setTimeout(r, Math.max(0, Number(expires_at) + 50 - Date.now())));
  const later = await sb.post('/v1/responses', body, headers);
  assert.equal(later.headers.get('idempotent-replayed'), null);
  assert.notEqual((await later.json()).id, first.id);
  assert.equal(fake.received.length, 3);
  // The expired row was taken over: the new answer is what replays now.
  const again = await sb.post('/v1/responses', { ...body, input: 'other' }, headers);
  assert.equal(again.status, 409);
  await again.text();
});

test('an answer larger than max_recorded_mb still reaches the client; its key then answers 409 idempotency_result_unavailable', async () => {
  const body = { model: 'vllm/m', input: 'big' };
  const headers = { 'idempotency-key': 'big-key' };
  const calls = fake.received.length;
  fake.enqueue({ kind: 'reply', text: 'x'.repeat(1_200_000) });
  const first = await sb.post('/v1/responses', body, headers);
  assert.equal(first.status, 200);
  assert.equal((await first.json()).output_text?.length ?? 1_200_000, 1_200_000);
  const again = await sb.post('/v1/responses', body, headers);
  assert.equal(again.status, 409);
  assert.equal(again.headers.get('x-should-retry'), 'false');
  assert.equal((await again.json()).error.code, 'idempotency_result_unavailable');
  assert.equal(fake.received.length, calls + 1);
});
