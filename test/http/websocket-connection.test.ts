/**
 * The Responses WebSocket's connection lifecycle, on a bare node:http server with the upgrade handler only:
 * pings at the keep-alive period and a client that stops answering them is cut; the spec's connection limit
 * ends an idle connection with `websocket_connection_limit_reached`; a server shutdown sends 1001.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { Authenticator } from '../../src/http/auth.js';
import { attachResponsesWebSocket, type ResponsesWebSocketDeps } from '../../src/http/websocket/upgrade.js';
import type { ResponsesService } from '../../src/responses/responses-service.js';
import { silentLogger } from '../../src/log/logger.js';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import { startSwitchboard } from '../helpers/switchboard.js';
import { assertWebSocketError } from '../helpers/ws-spec-oracle.js';
import { WsClient } from '../helpers/ws-client.js';

async function serve(over: Partial<ResponsesWebSocketDeps>): Promise<{ server: Server; url: string; handle: ReturnType<typeof attachResponsesWebSocket> }> {
  const server = createServer((_req, res) => res.end());
  const handle = attachResponsesWebSocket(server, {
    // No message is sent in these tests: the service is never reached.
    service: {} as ResponsesService, auth: new Authenticator([]), log: silentLogger(), bodyLimitBytes: 1024, keepAliveMs: 0, ...over,
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/v1/responses`, handle };
}

function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
}

test('the server pings at the keep-alive period, and cuts a client that stops answering', async () => {
  const { server, url } = await serve({ keepAliveMs: 40 });
  const answering = new WebSocket(url);
  let pings = 0;
  answering.on('ping', () => { pings++; });
  const silent = new WebSocket(url, { autoPong: false });
  await Promise.all([opened(answering), opened(silent)]);
  const cut = await new Promise<number>((resolve) => silent.once('close', (code) => resolve(code)));
  assert.equal(cut, 1006, 'terminated, no close handshake');
  assert.ok(pings >= 1);
  assert.equal(answering.readyState, WebSocket.OPEN, 'a client that answers stays');
  answering.close();
  server.close();
});

test('an idle connection at its age limit gets websocket_connection_limit_reached, then a close', async () => {
  const { server, url } = await serve({ maxAgeMs: 50 });
  const ws = new WebSocket(url);
  const messages: any[] = [];
  ws.on('message', (d) => messages.push(JSON.parse(String(d))));
  const code = await new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
  assert.equal(code, 1000);
  assert.equal(messages.length, 1);
  assertWebSocketError(messages[0]);
  assert.equal(messages[0].error.code, 'websocket_connection_limit_reached');
  server.close();
});

test('a server shutdown ends open WebSocket connections with 1001, without waiting for them', async () => {
  const fake = await startFakeChatCompletions();
  const sb = await startSwitchboard({ providers: [{ name: 'vllm', kind: 'openai-chat', base_url: fake.baseUrl }] });
  const ws = await WsClient.connect(sb.url);
  fake.enqueue({ kind: 'reply', text: 'before shutdown' });
  ws.create({ model: 'vllm/m', input: 'x' });
  await ws.turn();
  const started = Date.now();
  await sb.close();
  assert.equal((await ws.closed).code, 1001);
  assert.ok(Date.now() - started < 5_000);
  await fake.close();
});
