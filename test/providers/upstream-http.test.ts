/** UpstreamClient over real HTTP: a reader that stops early ends the upstream request; an abort while connecting settles at once. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { UpstreamError } from '../../src/api/errors.js';
import { UpstreamClient } from '../../src/providers/upstream-http.js';
import { listenOnLoopback } from '../fakes/fake-http.js';
import { testProviderConfig } from '../helpers/provider-config.js';

const config = (baseUrl: string, connect = 2_000) =>
  testProviderConfig('openai-chat', baseUrl, { timeouts: { connect, firstByte: 2_000, idle: 2_000 } });

test('a reader that stops after the first SSE message closes the upstream request (no generating for nobody)', async () => {
  let closedAfter = -1;
  let sent = 0;
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const timer = setInterval(() => { sent++; res.write(`data: {"n":${sent}}\n\n`); if (sent >= 200) { clearInterval(timer); res.end(); } }, 10);
    res.on('close', () => { clearInterval(timer); closedAfter = sent; });
  });
  const { baseUrl, close } = await listenOnLoopback(server, '/v1');
  const client = new UpstreamClient(config(baseUrl));
  try {
    const messages = await client.postSse('/stream', { x: 1 }, {}, new AbortController().signal);
    for await (const m of messages) {
      assert.equal(m.data, '{"n":1}');
      break;
    }
    for (let i = 0; i < 100 && closedAfter < 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(closedAfter >= 1 && closedAfter < 50, `the upstream saw the request end early (after ${closedAfter} of 200 messages)`);
  } finally {
    await client.close();
    await close();
  }
});

test('aborting while the connection is still being made rejects at once with code aborted', async () => {
  // A TCP server that accepts and never answers: an https client stays in its TLS handshake (connecting).
  const sockets = new Set<import('node:net').Socket>();
  const silent = createNetServer((socket) => { sockets.add(socket); });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const { port } = silent.address() as AddressInfo;
  const client = new UpstreamClient(config(`https://127.0.0.1:${port}/v1`, 30_000));
  const ac = new AbortController();
  const started = Date.now();
  const pending = client.postSse('/x', {}, {}, ac.signal);
  setTimeout(() => ac.abort(), 50);
  try {
    await assert.rejects(pending, (e: unknown) => e instanceof UpstreamError && e.code === 'aborted');
    assert.ok(Date.now() - started < 2_000, 'did not wait for the connect timeout');
  } finally {
    await client.close().catch(() => {});
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  }
});

test('a reader that is slow to take events is not mistaken for a silent upstream (keepalive_max_ms)', async () => {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let n = 0;
    const timer = setInterval(() => { n++; res.write(`data: {"n":${n}}\n\n`); if (n >= 30) { clearInterval(timer); res.end(); } }, 20);
    res.on('close', () => clearInterval(timer));
  });
  const { baseUrl, close } = await listenOnLoopback(server, '/v1');
  const client = new UpstreamClient(testProviderConfig('openai-chat', baseUrl, { timeouts: { connect: 2_000, firstByte: 2_000, idle: 2_000, keepAliveMax: 100 } }));
  try {
    const seen: string[] = [];
    for await (const m of await client.postSse('/stream', {}, {}, new AbortController().signal)) {
      seen.push(m.data);
      // Far longer than keepAliveMax without asking for the next event, while the upstream keeps sending.
      if (seen.length === 1) await new Promise((r) => setTimeout(r, 400));
    }
    assert.equal(seen.length, 30);
  } finally {
    await client.close();
    await close();
  }
});

test('an upstream that sends only comments after its first event is cut at keepalive_max_ms, with a clear error', async () => {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"n":1}\n\n');
    const timer = setInterval(() => res.write(': keep-alive\n\n'), 20);
    res.on('close', () => clearInterval(timer));
  });
  const { baseUrl, close } = await listenOnLoopback(server, '/v1');
  const client = new UpstreamClient(testProviderConfig('openai-chat', baseUrl, { name: 'chatty', timeouts: { connect: 2_000, firstByte: 2_000, idle: 2_000, keepAliveMax: 150 } }));
  try {
    const seen: string[] = [];
    await assert.rejects((async () => {
      for await (const m of await client.postSse('/stream', {}, {}, new AbortController().signal)) seen.push(m.data);
    })(), (e: unknown) => {
      assert.ok(e instanceof UpstreamError);
      assert.equal(e.code, 'upstream_timeout');
      assert.equal(e.message, "provider 'chatty' sent no event for 150 ms, only keep-alive comments (timeouts.keepalive_max_ms)");
      return true;
    });
    assert.deepEqual(seen, ['{"n":1}']);
  } finally {
    await client.close();
    await close();
  }
});

test('a limit of 0 is no limit: comments for longer than any timer would allow are waited out', async () => {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const timer = setInterval(() => res.write(': keep-alive\n\n'), 10);
    setTimeout(() => { clearInterval(timer); res.end('data: {"n":1}\n\n'); }, 200);
  });
  const { baseUrl, close } = await listenOnLoopback(server, '/v1');
  const client = new UpstreamClient(testProviderConfig('openai-chat', baseUrl, { timeouts: { connect: 2_000, firstByte: 0, idle: 2_000, keepAliveMax: 0 } }));
  try {
    const seen: string[] = [];
    for await (const m of await client.postSse('/stream', {}, {}, new AbortController().signal)) seen.push(m.data);
    assert.deepEqual(seen, ['{"n":1}']);
  } finally {
    await client.close();
    await close();
  }
});
