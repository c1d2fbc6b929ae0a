/**
 * Upstreams that hang or only send SSE keep-alive comments, over real HTTP with small configured timeouts:
 * the client gets a 504 `upstream_timeout` before its first byte, or `response.failed` after it, and the
 * attempts of one request stop at the shared deadline instead of adding up one timeout per retry.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { createFakeServer, listenOnLoopback } from '../fakes/fake-http.js';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import type { FakeUpstream, ReceivedRequest } from '../fakes/fake-turn.js';
import { readSse, startSwitchboard, type TestServer } from '../helpers/switchboard.js';

/** A Chat Completions server that sends its headers (and, in `event-then-comments`, one chunk), then only `: keep-alive`. */
let mode: 'comments' | 'event-then-comments' = 'comments';
const received: ReceivedRequest[] = [];
let commentsUrl: string;
let closeComments: () => Promise<void>;
let hung: FakeUpstream;
let sb: TestServer;

function keepAliveForever(res: ServerResponse, body: any, path: string) {
  if (path === '/v1/messages') return pingForever(res);
  const sse = body?.stream === true;
  res.writeHead(200, { 'content-type': sse ? 'text/event-stream' : 'application/json' });
  if (sse && mode === 'event-then-comments') {
    const chunk = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'partial' }, finish_reason: null }] };
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  }
  // What DeepSeek sends while a request waits in its queue (a blank line for a JSON answer).
  const timer = setInterval(() => res.write(sse ? ': keep-alive\n\n' : '\n'), 30);
  res.on('close', () => clearInterval(timer));
}

/** Anthropic's way: `message_start`, then nothing but `ping` events. */
function pingForever(res: ServerResponse) {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const message = { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-x', content: [], stop_reason: null, usage: { input_tokens: 1, output_tokens: 0 } };
  res.write(`event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message })}\n\n`);
  const timer = setInterval(() => res.write('event: ping\ndata: {"type": "ping"}\n\n'), 30);
  res.on('close', () => clearInterval(timer));
}

before(async () => {
  const server = createFakeServer({ received, crash: (res) => { res.writeHead(500); res.end(); }, handle: (_req, res, body, path) => keepAliveForever(res, body, path) });
  ({ baseUrl: commentsUrl, close: closeComments } = await listenOnLoopback(server, '/v1'));
  hung = await startFakeChatCompletions();
  sb = await startSwitchboard({
    server: { upstream_deadline_ms: 1000 },
    providers: [
      // Without the deadline: 10 tries × 300 ms.
      { name: 'hung', kind: 'openai-chat', base_url: hung.baseUrl, timeouts: { first_byte_ms: 300, non_stream_ms: 300 }, retry: { max: 9, base_ms: 1, max_ms: 1 } },
      {
        name: 'chatty', kind: 'openai-chat', base_url: commentsUrl, retry: { max: 0 },
        timeouts: { first_byte_ms: 300, non_stream_ms: 300, idle_ms: 5000, keepalive_max_ms: 400 },
      },
      { name: 'pinger', kind: 'anthropic', base_url: commentsUrl, api_key: 'k', retry: { max: 0 }, timeouts: { idle_ms: 5000, keepalive_max_ms: 400 } },
    ],
  });
});
after(async () => { await sb.close(); await hung.close(); await closeComments(); });

async function expect504(res: Response, pattern: RegExp) {
  assert.equal(res.status, 504);
  const body = await res.json();
  assert.equal(body.error.code, 'upstream_timeout');
  assert.match(body.error.message, pattern);
}

for (const stream of [false, true]) {
  test(`a provider that never answers: 504 at the shared deadline, not one timeout per retry (stream: ${stream})`, { timeout: 10_000 }, async () => {
    hung.enqueue(...Array.from({ length: 10 }, () => ({ kind: 'hang' as const })));
    const before = hung.received.length;
    const t0 = Date.now();
    await expect504(await sb.post('/v1/responses', { model: 'hung/m', input: 'hi', stream }), /deadline|within 300 ms/);
    const tries = hung.received.length - before;
    assert.ok(tries >= 1 && tries <= 4, `${tries} tries in 1000 ms of 300 ms timeouts (10 without the deadline)`);
    assert.ok(Date.now() - t0 < 4_000, 'answered at about the deadline');
  });
}

test('a stream of keep-alive comments with no event: 504 before the first byte to the client', { timeout: 10_000 }, async () => {
  mode = 'comments';
  await expect504(await sb.post('/v1/responses', { model: 'chatty/m', input: 'hi', stream: true }), /no event within 300 ms/);
});

test('a JSON answer that never comes (only keep-alive blank lines): 504 at non_stream_ms', { timeout: 10_000 }, async () => {
  mode = 'comments';
  await expect504(await sb.post('/v1/responses', { model: 'chatty/m', input: 'hi' }), /did not finish its answer within 300 ms/);
});

test('one event, then only keep-alive comments: response.failed after keepalive_max_ms, stored failed', { timeout: 10_000 }, async () => {
  mode = 'event-then-comments';
  const res = await sb.post('/v1/responses', { model: 'chatty/m', input: 'hi', stream: true });
  assert.equal(res.status, 200);
  const frames = await readSse(res);
  assert.equal(frames.at(-1)!.data, '[DONE]');
  const failed = frames.at(-2)!.data;
  assert.equal(failed.type, 'response.failed');
  assert.equal(failed.response.error.code, 'upstream_timeout');
  assert.match(failed.response.error.message, /only keep-alive comments/);
  assert.ok(frames.some((f) => f.data?.type === 'response.output_text.delta' && f.data.delta === 'partial'));
  const stored = await (await fetch(`${sb.url}/v1/responses/${failed.response.id}`)).json();
  assert.equal(stored.status, 'failed');
  assert.equal(stored.error.code, 'upstream_timeout');
});

test("Anthropic's ping events are keep-alives too: a stream of only pings ends with response.failed", { timeout: 10_000 }, async () => {
  const res = await sb.post('/v1/responses', { model: 'pinger/claude-x', input: 'hi', stream: true });
  assert.equal(res.status, 200);
  const failed = (await readSse(res)).at(-2)!.data;
  assert.equal(failed.type, 'response.failed');
  assert.equal(failed.response.error.code, 'upstream_timeout');
  assert.match(failed.response.error.message, /provider 'pinger' sent no event for 400 ms/);
});
