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
