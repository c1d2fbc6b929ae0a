/**
 * `GET /v1/responses` upgraded to a WebSocket (Open Responses, "WebSocket Transport"), on the HTTP server's own
 * port: `ws` in noServer mode on node:http's `upgrade` event. The upgrade request is checked like any request
 * (API key, shutdown) and a refusal is the usual JSON error envelope, sent before any upgrade. Only a WebSocket
 * upgrade of `GET …/responses` is taken; every other request is served as HTTP, unchanged.
 */
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { ApiError } from '../../api/errors.js';
import { newId } from '../../api/ids.js';
import type { ResponsesService } from '../../responses/responses-service.js';
import type { Logger } from '../../log/logger.js';
import type { Authenticator } from '../auth.js';
import { createRouter } from '../router.js';
import { toApiError } from '../send.js';
import { ResponsesSocket } from './responses-socket.js';

export interface ResponsesWebSocketDeps {
  service: ResponsesService;
  auth: Authenticator;
  log: Logger;
  /** The largest message taken, as the HTTP body limit (a larger one closes the connection with 1009). */
  bodyLimitBytes: number;
  /** Ping period (the SSE keep-alive period); 0: no pings. */
  keepAliveMs: number;
  draining?: () => boolean;
  /** Connection lifetime; the spec's 60 minutes unless a test says otherwise. */
  maxAgeMs?: number;
}

export interface ResponsesWebSocketHandle {
  /** Ends every open connection with 1001 (after the service has drained its runs). */
  close(): void;
}

const SIXTY_MINUTES = 60 * 60 * 1000;

// The same path rules as the HTTP routes: `/responses`, `/v1/responses`, `/v5/responses/`…
const route = createRouter([{ path: '/responses', methods: { GET: true } }]);

export function attachResponsesWebSocket(server: Server, deps: ResponsesWebSocketDeps): ResponsesWebSocketHandle {
  const wss = new WebSocketServer({ noServer: true, maxPayload: deps.bodyLimitBytes, perMessageDeflate: false, clientTracking: false });
  const open = new Set<ResponsesSocket>();
  const requestIds = new WeakMap<IncomingMessage, string>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const match = route(req.method ?? 'GET', req.url ?? '/');
    if (match.kind !== 'route' || String(req.headers.upgrade).toLowerCase() !== 'websocket') {
      return void serveAsHttp(server, req, socket as Socket, head);
    }
    const requestId = newId('req');
    socket.on('error', () => socket.destroy());
    try {
      if (deps.draining?.()) {
        throw new ApiError(503, 'The server is shutting down; connect again to another instance or later.', { type: 'server_error', code: 'server_shutdown' });
      }
      const ctx = deps.auth.authenticate(req.headers, requestId);
      requestIds.set(req, requestId);
      wss.handleUpgrade(req, socket, head, (ws) => {
        const conn = new ResponsesSocket(ws, socket, ctx, {
          service: deps.service, log: deps.log, pingMs: deps.keepAliveMs, maxAgeMs: deps.maxAgeMs ?? SIXTY_MINUTES, draining: deps.draining,
        });
        open.add(conn);
        ws.once('close', () => open.delete(conn));
      });
    } catch (err) {
      refuse(socket, requestId, toApiError(err));
    }
  });
  // The 101 answer carries a request id too, as every answer does.
  wss.on('headers', (headers, req) => { headers.push(`x-request-id: ${requestIds.get(req) ?? newId('req')}`); });
  return {
    close() {
      for (const conn of open) conn.goAway();
    },
  };
}

/**
 * Any other upgrade request is served as plain HTTP, as node:http did before there was an `upgrade` listener
 * (which on Node 20 takes every request carrying `Upgrade`: curl's `--http2` h2c offer, a WebSocket client
 * at another path). Node has detached its parser from the socket by now: the request head is written back
 * without the upgrade offer, ahead of the bytes already read, and the socket handed to the server as a new
 * connection.
 */
function serveAsHttp(server: Server, req: IncomingMessage, socket: Socket, head: Buffer): void {
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const lower = name.toLowerCase();
    if (lower === 'upgrade') continue;
    if (lower === 'connection') {
      const kept = raw[i + 1].split(',').map((t) => t.trim()).filter((t) => t && t.toLowerCase() !== 'upgrade');
      if (kept.length) lines.push(`${name}: ${kept.join(', ')}`);
      continue;
    }
    lines.push(`${name}: ${raw[i + 1]}`);
  }
  socket.unshift(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), head]));
  server.emit('connection', socket);
}

/** The HTTP error envelope, written on the raw socket (no ServerResponse exists for an upgrade request). */
function refuse(socket: Duplex, requestId: string, e: ApiError): void {
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify(e.toBody());
  const extra = Object.entries(e.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(
    `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${requestId}\r\n${extra}connection: close\r\n\r\n${body}`,
  );
}
