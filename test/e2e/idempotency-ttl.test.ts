/** Idempotency keys expire `idempotency.ttl_seconds` after their first request: then the key is new again. */
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
    idempotency: { ttl_seconds: 1 },
  });
});
after(async () => { await sb.close(); await fake.close(); });

test('within the TTL the key replays; after it, the same key and body run anew', async () => {
  const body = { model: 'vllm/m', input: 'ttl' };
  const headers = { 'idempotency-key': 'ttl-key' };
  const first = await (await sb.post('/v1/responses', body, headers)).json();
  const replay = await sb.post('/v1/responses', body, headers);
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  assert.equal((await replay.json()).id, first.id);
  assert.equal(fake.received.length, 1);
  await new Promise((r) => setTimeout(r, 1_100));
  const later = await sb.post('/v1/responses', body, headers);
  assert.equal(later.headers.get('idempotent-replayed'), null);
  assert.notEqual((await later.json()).id, first.id);
  assert.equal(fake.received.length, 2);
  // The expired row was taken over: the new answer is what replays now.
  const again = await sb.post('/v1/responses', { ...body, input: 'other' }, headers);
  assert.equal(again.status, 409);
  await again.text();
});
