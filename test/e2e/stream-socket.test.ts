/**
 * A streamed response at the socket level: `Connection: close` closes the socket after `[DONE]` (and keep-alive
 * keeps it), and a client that stops reading back-pressures the upstream instead of growing the server's
 * output buffer, then gets the whole stream intact when it reads again.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { readBody } from '../fakes/fake-http.js';
import { startSwitchboard, type TestServer } from '../helpers/switchboard.js';

const FRAMES = 4096;
const PIECE = 8 * 1024;
/** Delta i: its index, then filler: the client can check order and completeness. */
const piece = (i: number) => String(i).padStart(8, '0') + 'x'.repeat(PIECE - 8);
const TOTAL_TEXT = FRAMES * PIECE; // 32 MiB

/**
 * A Chat-Completions upstream that streams a large answer as fast as its socket takes it (it waits for
 * 'drain' like a well-behaved server), counting the bytes it managed to hand to the socket.
 */
function startFastUpstream(): Promise<{ baseUrl: string; sent: () => number; close(): Promise<void> }> {
  let sent = 0;
  const server: Server = createServer((req, res) => {
    void (async () => {
      await readBody(req);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: unknown, finish: string | null = null) =>
        `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      const write = async (s: string) => {
        sent += Buffer.byteLength(s);
        if (!res.write(s)) await new Promise<void>((r) => { res.once('drain', r); res.once('close', r); });
      };
      await write(chunk({ role: 'assistant', content: '' }));
      for (let i = 0; i < FRAMES && !res.destroyed; i++) await write(chunk({ content: piece(i) }));
      await write(chunk({}, 'stop'));
      res.end('data: [DONE]\n\n');
    })();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    resolve({
      baseUrl: `http://127.0.0.1:${port}/v1`,
      sent: () => sent,
      close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
    });
  }));
}

let fake: FakeUpstream;
let fast: Awaited<ReturnType<typeof startFastUpstream>>;
let sb: TestServer;
let port: number;

before(async () => {
  fake = await startFakeChatCompletions();
  fast = await startFastUpstream();
  sb = await startSwitchboard({
    providers: [
      { name: 'vllm', kind: 'openai-chat', base_url: fake.baseUrl, retry: { max: 0 } },
      { name: 'fast', kind: 'openai-chat', base_url: fast.baseUrl, retry: { max: 0 } },
    ],
  });
  port = Number(new URL(sb.url).port);
});
after(async () => { await sb.close(); await fake.close(); await fast.close(); });

function rawPost(socket: Socket, body: unknown, extraHeaders = '') {
  const json = JSON.stringify(body);
  socket.write(`POST /v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n${extraHeaders}\r\n${json}`);
}

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Reads until `until` matches the last bytes read (the last 64 KiB or more); resolves with everything read. */
function readUntil(socket: Socket, until: (tail: string) => boolean, ms = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: string[] = [];
    let tail = '';
    const timer = setTimeout(() => { cleanup(); reject(new Error(`timed out; got …${tail.slice(-200)}`)); }, ms);
    const onData = (d: Buffer) => {
      const s = d.toString('latin1');
      parts.push(s);
      tail = (tail.length > 65536 ? tail.slice(-65536) : tail) + s;
      if (until(tail)) { cleanup(); resolve(parts.join('')); }
    };
    const cleanup = () => { clearTimeout(timer); socket.off('data', onData); };
    socket.on('data', onData);
  });
}

/** Resolves true if the server ends the socket within `ms`, false if it is still open then. */
function endsWithin(socket: Socket, ms: number): Promise<boolean> {
  if (socket.readableEnded) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => { socket.off('end', onEnd); resolve(false); }, ms);
    const onEnd = () => { clearTimeout(timer); resolve(true); };
    socket.once('end', onEnd);
    socket.resume();
  });
}

const END_OF_STREAM = (t: string) => t.includes('data: [DONE]') && t.endsWith('0\r\n\r\n');

describe('Connection header on a streamed response', () => {
  test('Connection: close → the server closes the socket after [DONE]', async () => {
    const socket = await open();
    rawPost(socket, { model: 'vllm/m', input: 'bye', stream: true }, 'Connection: close\r\n');
    const text = await readUntil(socket, END_OF_STREAM);
    assert.match(text, /^HTTP\/1\.1 200/);
    assert.match(text, /\r\nconnection: close\r\n/i);
    assert.equal(await endsWithin(socket, 2000), true, 'socket closed after [DONE]');
    socket.destroy();
  });

  test('keep-alive (the default) → the socket stays open after [DONE] and carries the next request', async () => {
    const socket = await open();
    rawPost(socket, { model: 'vllm/m', input: 'one', stream: true });
    const first = await readUntil(socket, END_OF_STREAM);
    assert.match(first, /\r\nconnection: keep-alive\r\n/i);
    rawPost(socket, { model: 'vllm/m', input: 'two', stream: true });
    const second = await readUntil(socket, END_OF_STREAM);
    assert.match(second, /^HTTP\/1\.1 200/);
    assert.match(second, /echo: two|e: two|two/);
    assert.equal(await endsWithin(socket, 300), false, 'still open');
    socket.destroy();
  });
});

describe('a client that stops reading back-pressures the upstream', () => {
  test('the upstream stalls, the server buffers little, and the resumed client gets the whole stream in order', async () => {
    // Switchboard's own pending output for this response, sampled while the client does not read.
    let res: ServerResponse | null = null;
    sb.server.on('request', (_req, r: ServerResponse) => { res = r; });
    let maxPending = 0;
    const sampler = setInterval(() => { if (res) maxPending = Math.max(maxPending, res.writableLength); }, 5);

    const socket = await open();
    rawPost(socket, { model: 'fast/m', input: 'a lot', stream: true, store: false });
    let text = await readUntil(socket, (t) => t.includes('response.output_text.delta'));
    socket.pause();

    // Wait for the upstream to stop making progress (it would finish in well under a second if nothing held it).
    let last = -1;
    const until = Date.now() + 15_000;
    while (fast.sent() !== last) {
      last = fast.sent();
      await new Promise((r) => setTimeout(r, 400));
      assert.ok(Date.now() < until, 'the upstream settles');
    }
    const stalledAt = fast.sent();
    clearInterval(sampler);
    assert.ok(stalledAt < TOTAL_TEXT / 2, `the upstream stalled at ${(stalledAt / 1e6).toFixed(1)} MB of ~${(TOTAL_TEXT / 1e6).toFixed(0)} MB`);
    assert.ok(maxPending < 2 * 1024 * 1024, `the server's pending output stayed small (max ${(maxPending / 1e6).toFixed(2)} MB)`);

    // Resume: the whole answer arrives, deltas in order, then completed and [DONE].
    const rest = readUntil(socket, END_OF_STREAM, 60_000);
    socket.resume();
    text += await rest;
    socket.destroy();
    const body = dechunk(text.slice(text.indexOf('\r\n\r\n') + 4));
    const events = body.split('\n\n').filter((b) => b.startsWith('event: ')).map((b) => JSON.parse(b.slice(b.indexOf('data: ') + 6)));
    events.forEach((e, i) => assert.equal(e.sequence_number, i, 'sequence numbers consecutive'));
    const deltas = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta as string);
    assert.equal(deltas.length, FRAMES);
    deltas.forEach((d, i) => { if (d !== piece(i)) assert.fail(`delta ${i} differs`); });
    assert.equal(events[events.length - 1].type, 'response.completed');
    assert.ok(body.endsWith('data: [DONE]\n\n'));
  });

  test('a client that disconnects while paused still cancels its run', async () => {
    const socket = await open();
    rawPost(socket, { model: 'fast/m', input: 'a lot', stream: true });
    await readUntil(socket, (t) => t.includes('response.output_text.delta'));
    socket.pause();
    await new Promise((r) => setTimeout(r, 300));
    const id = sb.liveIds()[0];
    assert.ok(id, 'running');
    socket.destroy();
    const until = Date.now() + 5000;
    while (sb.liveIds().length) {
      assert.ok(Date.now() < until, 'the run ended');
      await new Promise((r) => setTimeout(r, 20));
    }
    const stored = await (await fetch(`${sb.url}/v1/responses/${id}`)).json();
    assert.equal(stored.status, 'cancelled');
  });
});

/** The body of a chunked HTTP/1.1 response (latin1 text in, UTF-8 text out). */
function dechunk(raw: string): string {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    const size = parseInt(raw.slice(at, eol), 16);
    if (!size) break;
    parts.push(Buffer.from(raw.slice(eol + 2, eol + 2 + size), 'latin1'));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts).toString('utf8');
}
