/**
 * What clients see of upstream failures: connection errors name the provider and the error code but never the
 * upstream's host, address or port (the log line keeps those); an `openai`-kind stream with a line that is not
 * JSON fails clearly, as the other kinds do, instead of being reported completed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../src/log/logger.js';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import { startFakeResponses, type FakeResponses } from '../fakes/fake-responses.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { readSse, startSwitchboard, type TestServer } from '../helpers/switchboard.js';

let chat: FakeUpstream;
let responses: FakeResponses;
let sb: TestServer;
let captured = '';
let chatPort: string;

before(async () => {
  chat = await startFakeChatCompletions();
  responses = await startFakeResponses();
  chatPort = new URL(chat.baseUrl).port;
  sb = await startSwitchboard({
    providers: [
      // Port 1 on loopback: nothing listens there, so the connection is refused.
      { name: 'closed', kind: 'openai-chat', base_url: 'http://127.0.0.1:1/v1', retry: { max: 0 } },
      { name: 'local', kind: 'openai-chat', base_url: chat.baseUrl, retry: { max: 0 } },
      { name: 'oai', kind: 'openai', base_url: responses.baseUrl, api_key: 'k', retry: { max: 0 } },
      { name: 'oai-closed', kind: 'openai', base_url: 'http://127.0.0.1:1/v1', api_key: 'k', retry: { max: 0 } },
    ],
  }, {}, { log: createLogger('info', { write(chunk: string) { captured += chunk; } }) });
});
after(async () => { await sb.close(); await chat.close(); await responses.close(); });

/** No address, host or port of an upstream in an error message a client reads. */
function assertNoAddress(text: string, port: string) {
  assert.doesNotMatch(text, /127\.0\.0\.1|localhost|::1/, text);
  assert.ok(!new RegExp(`:${port}\\b`).test(text), `port ${port} in: ${text}`);
}

async function lastFailed(): Promise<any> {
  const rows = await sb.db.selectFrom('responses').select(['id', 'response']).where('status', '=', 'failed').execute();
  return JSON.parse(rows.at(-1)!.response);
}

for (const stream of [false, true]) {
  test(`a refused connection: 502 naming the provider and ECONNREFUSED, no address; the log keeps it (stream: ${stream})`, async () => {
    const before = (await sb.db.selectFrom('responses').select('id').where('status', '=', 'failed').execute()).length;
    const res = await sb.post('/v1/responses', { model: 'closed/m', input: 'hi', stream });
    assert.equal(res.status, 502);
    const body = await res.json();
    assert.equal(body.error.code, 'upstream_connection_error');
    assert.match(body.error.message, /could not connect to provider 'closed' \(ECONNREFUSED\)/);
    assertNoAddress(body.error.message, '1');

    const rows = await sb.db.selectFrom('responses').select('id').where('status', '=', 'failed').execute();
    assert.equal(rows.length, before + 1);
    const stored = await lastFailed();
    assert.match(stored.error.message, /could not connect to provider 'closed' \(ECONNREFUSED\)/);
    assertNoAddress(stored.error.message, '1');
    const retrieved = await (await fetch(`${sb.url}/v1/responses/${stored.id}`)).json();
    assert.equal(retrieved.error.message, stored.error.message);

    const line = captured.split('\n').filter(Boolean).map((l) => JSON.parse(l))
      .find((l) => l.request_id === res.headers.get('x-request-id') && l.msg === 'upstream error');
    assert.match(line.detail, /ECONNREFUSED 127\.0\.0\.1:1/);
  });
}

test('input_tokens against a refused connection: the same message, no address; the log keeps it', async () => {
  const res = await sb.post('/v1/responses/input_tokens', { model: 'oai-closed/gpt-5', input: 'hi' });
  assert.equal(res.status, 502);
  const body = await res.json();
  assert.match(body.error.message, /could not connect to provider 'oai-closed' \(ECONNREFUSED\)/);
  assertNoAddress(body.error.message, '1');
  const line = captured.split('\n').filter(Boolean).map((l) => JSON.parse(l))
    .find((l) => l.request_id === res.headers.get('x-request-id') && l.msg === 'upstream error');
  assert.equal(line.provider, 'oai-closed');
  assert.match(line.detail, /ECONNREFUSED 127\.0\.0\.1:1/);
});

test('a connection that breaks mid-stream: response.failed names the provider and the code, no address', async () => {
  chat.enqueue({ kind: 'drop-mid-stream', text: 'partial answer' });
  const res = await sb.post('/v1/responses', { model: 'local/m', input: 'hi', stream: true });
  const frames = await readSse(res);
  const failed = frames.at(-2)!.data;
  assert.equal(failed.type, 'response.failed');
  assert.equal(failed.response.error.code, 'upstream_connection_error');
  assert.match(failed.response.error.message, /the connection to provider 'local' broke off mid-answer \(\w+\)/);
  assertNoAddress(failed.response.error.message, chatPort);
  const stored = await (await fetch(`${sb.url}/v1/responses/${failed.response.id}`)).json();
  assertNoAddress(stored.error.message, chatPort);
});

const GARBAGE_TURN = {
  kind: 'events' as const,
  events: [
    { type: 'response.output_item.added', output_index: 0, item: { id: 'msg_1', type: 'message', role: 'assistant', content: [] } },
    { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hel' },
    { raw: 'data: <html>502 Bad Gateway</html>\n\n' },
    { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'lo' },
    { type: 'response.output_item.done', output_index: 0, item: { id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hello', annotations: [] }] } },
  ],
};

test('openai kind: a garbage stream line fails the streamed response (not completed)', async () => {
  responses.enqueue(GARBAGE_TURN);
  const res = await sb.post('/v1/responses', { model: 'oai/gpt-5', input: 'hi', stream: true });
  const frames = await readSse(res);
  const last = frames.at(-2)!.data;
  assert.equal(last.type, 'response.failed');
  assert.equal(last.response.error.code, 'upstream_bad_response');
  assert.match(last.response.error.message, /malformed stream chunk/);
  const stored = await (await fetch(`${sb.url}/v1/responses/${last.response.id}`)).json();
  assert.equal(stored.status, 'failed');
});

test('openai kind: a garbage stream line → 502 upstream_bad_response for a non-streamed request', async () => {
  responses.enqueue(GARBAGE_TURN);
  const res = await sb.post('/v1/responses', { model: 'oai/gpt-5', input: 'hi' });
  assert.equal(res.status, 502);
  const body = await res.json();
  assert.equal(body.error.code, 'upstream_bad_response');
});
