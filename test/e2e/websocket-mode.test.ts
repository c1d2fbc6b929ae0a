/**
 * WebSocket mode (Open Responses, "WebSocket Transport") with the `ws` client: `GET /v1/responses` upgraded,
 * `response.create` messages answered with the events SSE carries, one response at a time per connection,
 * `store: false` continuation from connection-local state, `error` messages that leave the connection usable,
 * the HTTP auth, and a client leaving mid-response. Every message received is checked against the spec.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { startEveryProvider, type EveryProvider, type ProviderName } from '../helpers/every-provider.js';
import { startSwitchboard, type TestServer } from '../helpers/switchboard.js';
import { WsClient } from '../helpers/ws-client.js';
import { assertWebSocketError } from '../helpers/ws-spec-oracle.js';
import { assertEvent } from '../helpers/spec-oracle.js';
import { ResponsesWS } from 'openai/resources/responses/ws';

async function waitFor(ok: () => boolean, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const TOOLS = [{ type: 'function', name: 'lookup', description: 'Looks a thing up.', parameters: { type: 'object', properties: { q: { type: 'string' } } } }];

describe('one response over WebSocket, every provider kind', () => {
  let every: EveryProvider;
  before(async () => { every = await startEveryProvider(); });
  after(async () => { await every.close(); });

  for (const provider of ['chat', 'openai', 'anthropic', 'gemini'] as ProviderName[]) {
    test(provider, async () => {
      every.fakes[provider].enqueue({ kind: 'reply', text: `Hello from ${provider}.` });
      const ws = await WsClient.connect(every.sb.url);
      ws.create({ model: `${provider}/m`, input: 'hi' });
      const turn = await ws.turn();
      assert.equal(turn.error, null);
      assert.equal(turn.events[0].type, 'response.created');
      assert.equal(turn.events.at(-1).type, 'response.completed');
      assert.ok(turn.events.some((e) => e.type === 'response.output_text.delta'));
      assert.equal(turn.response.output.at(-1).content[0].text, `Hello from ${provider}.`);
      // Stored as on HTTP, and its stored event log is the stream the socket carried.
      const replay = await fetch(`${every.sb.url}/v1/responses/${turn.response.id}?stream=true`);
      const frames = (await replay.text()).split('\n').filter((l) => l.startsWith('data: {')).map((l) => JSON.parse(l.slice(6)));
      assert.deepEqual(frames, turn.events);
      await ws.close();
    });
  }
});

describe('WebSocket mode against a Chat Completions upstream', () => {
  let fake: FakeUpstream;
  let sb: TestServer;
  before(async () => {
    fake = await startFakeChatCompletions();
    sb = await startSwitchboard({ providers: [{ name: 'vllm', kind: 'openai-chat', base_url: fake.baseUrl, retry: { max: 0 } }] });
  });
  after(async () => { await sb.close(); await fake.close(); });

  test('two responses sent at once run one after the other', async () => {
    fake.enqueue({ kind: 'reply', text: 'first answer, slowly', delayMs: 5 }, { kind: 'reply', text: 'second answer' });
    const ws = await WsClient.connect(sb.url);
    ws.create({ model: 'vllm/m', input: 'one' });
    ws.create({ model: 'vllm/m', input: 'two' });
    // turn() fails on any interleaving: each turn's sequence numbers must run 0, 1, 2… to its terminal event.
    const first = await ws.turn();
    const second = await ws.turn();
    assert.equal(first.response.output[0].content[0].text, 'first answer, slowly');
    assert.equal(second.response.output[0].content[0].text, 'second answer');
    assert.notEqual(first.response.id, second.response.id);
    await ws.close();
  });

  test('a store:false response is continued on the same connection with only the new input', async () => {
    fake.enqueue(
      { kind: 'reply', toolCalls: [{ name: 'lookup', arguments: '{"q":"a"}', id: 'call_1' }] },
      { kind: 'reply', toolCalls: [{ name: 'lookup', arguments: '{"q":"b"}', id: 'call_2' }] },
      { kind: 'reply', text: 'done' },
    );
    const ws = await WsClient.connect(sb.url);
    ws.create({ model: 'vllm/m', store: false, tools: TOOLS, instructions: 'Be brief.', input: 'find a and b' });
    const t1 = await ws.turn();
    assert.equal(t1.response.store, false);
    assert.equal(t1.response.output[0].type, 'function_call');

    ws.create({ model: 'vllm/m', store: false, tools: TOOLS, previous_response_id: t1.response.id, input: [{ type: 'function_call_output', call_id: 'call_1', output: 'A' }] });
    const t2 = await ws.turn();
    assert.equal(t2.error, null, JSON.stringify(t2.error));
    assert.equal(t2.response.previous_response_id, t1.response.id);

    ws.create({ model: 'vllm/m', store: false, tools: TOOLS, previous_response_id: t2.response.id, input: [{ type: 'function_call_output', call_id: 'call_2', output: 'B' }] });
    const t3 = await ws.turn();
    assert.equal(t3.response.output[0].content[0].text, 'done');
    assert.equal(t3.response.previous_response_id, t2.response.id);

    // The upstream got the whole history each time, though the client sent only the new items.
    const messages = fake.received.at(-1)!.body.messages;
    // `instructions` are not carried over by previous_response_id, on HTTP or here.
    assert.deepEqual(messages.map((m: any) => m.role), ['user', 'assistant', 'tool', 'assistant', 'tool']);
    assert.deepEqual(messages.filter((m: any) => m.role === 'tool').map((m: any) => [m.tool_call_id, m.content]), [['call_1', 'A'], ['call_2', 'B']]);
    assert.equal(messages[0].content, 'find a and b');
    assert.equal(fake.received.at(-3)!.body.messages[0].content, 'Be brief.');
    // Nothing of it was stored.
    assert.equal((await fetch(`${sb.url}/v1/responses/${t1.response.id}`)).status, 404);
    await ws.close();
  });

  test('a store:false continuation after a reconnect fails with previous_response_not_found', async () => {
    fake.enqueue({ kind: 'reply', text: 'kept on the first socket only' });
    const first = await WsClient.connect(sb.url);
    first.create({ model: 'vllm/m', store: false, input: 'remember this' });
    const t1 = await first.turn();
    await first.close();

    const second = await WsClient.connect(sb.url);
    const calls = fake.received.length;
    second.create({ model: 'vllm/m', store: false, previous_response_id: t1.response.id, input: 'and then?' });
    const t2 = await second.turn();
    assert.equal(t2.error.status, 400);
    assert.equal(t2.error.error.code, 'previous_response_not_found');
    assert.equal(t2.error.error.param, 'previous_response_id');
    // An id that never existed answers the same.
    second.create({ model: 'vllm/m', previous_response_id: 'resp_nope', input: 'x' });
    assert.equal((await second.turn()).error.error.code, 'previous_response_not_found');
    assert.equal(fake.received.length, calls, 'no upstream call');
    await second.close();
  });

  test('a failed continuation evicts the cached response', async () => {
    fake.enqueue({ kind: 'reply', text: 'one' }, { kind: 'error', status: 400, message: 'upstream refused' });
    const ws = await WsClient.connect(sb.url);
    ws.create({ model: 'vllm/m', store: false, input: 'start' });
    const t1 = await ws.turn();
    ws.create({ model: 'vllm/m', store: false, previous_response_id: t1.response.id, input: 'go on' });
    const failed = await ws.turn();
    assert.equal(failed.error.status, 400);
    assert.notEqual(failed.error.error.code, 'previous_response_not_found');
    // The same continuation again: the entry is gone.
    ws.create({ model: 'vllm/m', store: false, previous_response_id: t1.response.id, input: 'go on' });
    const again = await ws.turn();
    assert.equal(again.error.error.code, 'previous_response_not_found');

    // A continuation that starts and then fails (response.failed) evicts too.
    fake.enqueue({ kind: 'reply', text: 'two' }, { kind: 'drop-mid-stream', text: 'half an ans' });
    ws.create({ model: 'vllm/m', store: false, input: 'start over' });
    const t2 = await ws.turn();
    ws.create({ model: 'vllm/m', store: false, previous_response_id: t2.response.id, input: 'go on' });
    const broken = await ws.turn();
    assert.equal(broken.events.at(-1).type, 'response.failed');
    ws.create({ model: 'vllm/m', store: false, previous_response_id: t2.response.id, input: 'go on' });
    assert.equal((await ws.turn()).error.error.code, 'previous_response_not_found');
    await ws.close();
  });

  test('stored responses continue through the store, on any connection', async () => {
    fake.enqueue({ kind: 'reply', text: 'stored one' }, { kind: 'reply', text: 'stored two' });
    const a = await WsClient.connect(sb.url);
    a.create({ model: 'vllm/m', input: 'first' });
    const t1 = await a.turn();
    await a.close();
    const b = await WsClient.connect(sb.url);
    b.create({ model: 'vllm/m', previous_response_id: t1.response.id, input: 'second' });
    const t2 = await b.turn();
    assert.equal(t2.response.previous_response_id, t1.response.id);
    assert.deepEqual(fake.received.at(-1)!.body.messages.map((m: any) => m.content), ['first', 'stored one', 'second']);
    await b.close();
  });

  test('the openai SDK\'s ResponsesWS: a tool loop with store:false, and an error event', async () => {
    fake.enqueue({ kind: 'reply', toolCalls: [{ name: 'lookup', arguments: '{"q":"x"}', id: 'call_sdk' }] }, { kind: 'reply', text: 'sdk done' });
    const rws = new ResponsesWS(sb.client());
    const events: any[] = [];
    const errors: any[] = [];
    rws.on('event', (e: any) => { if (e.type === 'error') assertWebSocketError(e); else assertEvent(e, 'ResponsesWS event'); events.push(e); });
    rws.on('error', (err: any) => errors.push(err));
    const completed = () => new Promise<any>((resolve) => rws.once('response.completed', (e: any) => resolve(e.response)));
    await new Promise<void>((resolve, reject) => { rws.socket.once('open', () => resolve()); rws.socket.once('error', reject); });

    let done = completed();
    rws.send({ type: 'response.create', model: 'vllm/m', store: false, tools: TOOLS as any, input: 'use the tool' });
    const first = await done;
    assert.equal(first.output[0].call_id, 'call_sdk');
    done = completed();
    rws.send({ type: 'response.create', model: 'vllm/m', store: false, previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: 'call_sdk', output: 'X' }] });
    assert.equal((await done).output[0].content[0].text, 'sdk done');

    rws.send({ type: 'response.create', model: 'vllm/m', previous_response_id: 'resp_gone', input: 'x' });
    await waitFor(() => errors.length > 0);
    assert.equal(errors[0].error.error.code, 'previous_response_not_found');
    rws.close();
  });

  test('a store:false turn on top of a stored response: its continuation gets the stored history too', async () => {
    fake.enqueue({ kind: 'reply', text: 'stored base' }, { kind: 'reply', text: 'unstored middle' }, { kind: 'reply', text: 'end' });
    const ws = await WsClient.connect(sb.url);
    ws.create({ model: 'vllm/m', input: 'one' });
    const t1 = await ws.turn();
    ws.create({ model: 'vllm/m', store: false, previous_response_id: t1.response.id, input: 'two' });
    const t2 = await ws.turn();
    ws.create({ model: 'vllm/m', store: false, previous_response_id: t2.response.id, input: 'three' });
    const t3 = await ws.turn();
    assert.equal(t3.response.previous_response_id, t2.response.id);
    assert.deepEqual(fake.received.at(-1)!.body.messages.map((m: any) => m.content), ['one', 'stored base', 'two', 'unstored middle', 'three']);
    await ws.close();
  });

  test('a bad message gets an error message and the connection still works', async () => {
    const ws = await WsClient.connect(sb.url);
    ws.sendRaw('not json');
    assert.equal((await ws.turn()).error.error.code, 'invalid_json');
    ws.sendRaw(JSON.stringify({ type: 'session.update' }));
    let e = (await ws.turn()).error;
    assert.deepEqual([e.status, e.error.param], [400, 'type']);
    ws.sendRaw(JSON.stringify({ type: 'response.create', model: 'vllm/m', input: 'x', stream: true, background: false }));
    e = (await ws.turn()).error;
    assert.equal(e.error.param, 'stream');
    assert.match(e.error.message, /'stream', 'background'/);
    ws.sendRaw(JSON.stringify({ type: 'response.create', model: 'vllm/m', input: 'x', stream_options: {} }));
    assert.equal((await ws.turn()).error.error.param, 'stream_options');
    ws.sendRaw(JSON.stringify({ type: 'response.create', model: 'vllm/m', input: 'x', temprature: 1 }));
    assert.equal((await ws.turn()).error.status, 400);
    ws.sendRaw(JSON.stringify({ type: 'response.create', model: 'nope/m', input: 'x' }));
    assert.equal((await ws.turn()).error.error.param, 'model');

    fake.enqueue({ kind: 'reply', text: 'still here' });
    ws.create({ model: 'vllm/m', input: 'hello?' });
    assert.equal((await ws.turn()).response.output[0].content[0].text, 'still here');
    await ws.close();
  });

  test('a client more than 32 messages ahead is cut (1008), and its running response cancelled', async () => {
    fake.enqueue({ kind: 'reply', text: 'slow enough for the flood to arrive while it runs', chunkSize: 1, delayMs: 20 });
    const ws = await WsClient.connect(sb.url);
    ws.create({ model: 'vllm/m', input: 'first' });
    const created = await ws.next();
    assert.equal(created.type, 'response.created');
    for (let i = 0; i < 33; i++) ws.create({ model: 'vllm/m', input: `queued ${i}` });
    assert.equal((await ws.closed).code, 1008);
    await waitFor(() => sb.liveIds().length === 0);
    const stored = await (await fetch(`${sb.url}/v1/responses/${created.response.id}`)).json();
    assert.equal(stored.status, 'cancelled');
  });

  test('a client that disconnects mid-response cancels it (stored as cancelled)', async () => {
    fake.enqueue({ kind: 'reply', text: 'a long answer that streams slowly enough to be interrupted', chunkSize: 1, delayMs: 20 });
    const ws = await WsClient.connect(sb.url);
    ws.create({ model: 'vllm/m', input: 'talk' });
    let id = '';
    for (;;) {
      const e = await ws.next();
      if (e.type === 'response.created') id = e.response.id;
      if (e.type === 'response.output_text.delta') break;
    }
    ws.ws.terminate();
    let stored: any;
    for (let i = 0; i < 100; i++) {
      stored = await (await fetch(`${sb.url}/v1/responses/${id}`)).json();
      if (stored.status !== 'in_progress') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(stored.status, 'cancelled');
    assert.ok(stored.output[0].content[0].text.length < 'a long answer that streams slowly enough to be interrupted'.length);
    assert.deepEqual(sb.liveIds(), []);
  });

  test('paths: unversioned and /v5 upgrade too; a plain GET keeps its HTTP answer; other upgrades are served as HTTP', async () => {
    for (const path of ['/responses', '/v5/responses/']) {
      fake.enqueue({ kind: 'reply', text: 'ok' });
      const ws = await WsClient.connect(sb.url, { path });
      ws.create({ model: 'vllm/m', input: 'x' });
      assert.equal((await ws.turn()).response.status, 'completed');
      await ws.close();
    }
    assert.equal((await fetch(`${sb.url}/v1/responses`)).status, 405);
    // Another path with a WebSocket upgrade is a plain request, answered as before the upgrade handler existed.
    await assert.rejects(WsClient.connect(sb.url, { path: '/v1/models' }), /upgrade refused: 200/);
  });

  test('a request offering another upgrade (curl --http2 sends Upgrade: h2c) is served as HTTP, keep-alive intact', async () => {
    fake.enqueue({ kind: 'reply', text: 'plain answer' });
    const body = JSON.stringify({ model: 'vllm/m', input: 'x' });
    const { port } = new URL(sb.url);
    const socket = connect(Number(port), '127.0.0.1');
    let text = '';
    socket.on('data', (c) => { text += c; });
    socket.write(`POST /v1/responses HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n`
      + `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    await waitFor(() => text.includes('plain answer'));
    assert.match(text, /^HTTP\/1.1 200 OK/);
    // The same connection takes the next request.
    socket.write('GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => text.includes('"object":"list"'));
    socket.destroy();
  });
});

describe('WebSocket mode with API keys', () => {
  let fake: FakeUpstream;
  let sb: TestServer;
  before(async () => {
    fake = await startFakeChatCompletions();
    sb = await startSwitchboard({
      server: { body_limit_mb: 1 },
      auth: { api_keys: ['sk-ws'] },
      providers: [{ name: 'vllm', kind: 'openai-chat', base_url: fake.baseUrl }],
    });
  });
  after(async () => { await sb.close(); await fake.close(); });

  test('an upgrade without a valid key is refused with the 401 envelope before any upgrade', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }] as Record<string, string>[]) {
      const err: any = await WsClient.connect(sb.url, { headers }).then(() => null, (e) => e);
      assert.ok(err?.res, 'refused with an HTTP answer');
      assert.equal(err.res.statusCode, 401);
      assert.ok(err.res.headers['x-request-id']);
      const body = await new Promise<any>((resolve) => {
        let text = '';
        err.res.on('data', (c: Buffer) => { text += c; });
        err.res.on('end', () => resolve(JSON.parse(text)));
      });
      assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
      assert.equal(body.error.type, 'authentication_error');
    }
  });

  test('Authorization: Bearer and x-api-key both work', async () => {
    for (const headers of [{ authorization: 'Bearer sk-ws' }, { 'x-api-key': 'sk-ws' }] as Record<string, string>[]) {
      fake.enqueue({ kind: 'reply', text: 'in' });
      const ws = await WsClient.connect(sb.url, { headers });
      ws.create({ model: 'vllm/m', input: 'x' });
      assert.equal((await ws.turn()).response.output[0].content[0].text, 'in');
      await ws.close();
    }
  });

  test('a message over the body limit closes the connection with 1009', async () => {
    const ws = await WsClient.connect(sb.url, { headers: { 'x-api-key': 'sk-ws' } });
    ws.sendRaw(JSON.stringify({ type: 'response.create', model: 'vllm/m', input: 'x'.repeat(1024 * 1024 + 10) }));
    assert.equal((await ws.closed).code, 1009);
  });
});

test('the error message shape is the spec\'s (the oracle itself refuses a wrong one)', () => {
  assertWebSocketError({ type: 'error', status: 400, error: { code: 'x', message: 'y', param: null } });
  assert.throws(() => assertWebSocketError({ type: 'error', error: { code: 'x', message: 'y' } }));
  assert.throws(() => assertWebSocketError({ type: 'error', status: 400, error: { code: null, message: 'y' } }));
});
