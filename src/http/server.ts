/**
 * The HTTP front door on bare `node:http`: the gateway's hot path stays a few function calls deep.
 * Routes are served with and without a version prefix (`/v1/responses`, `/v5/responses`, `/responses`), so
 * base URLs ending in `/v1` or not both work. Every answer carries `x-request-id`; every error is the envelope.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError } from '../api/errors.js';
import { newId } from '../api/ids.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { Authenticator } from './auth.js';
import type { Idempotency } from './idempotency.js';
import type { ResponseStore } from '../store/response-store.js';
import { inputTokensRoute } from './routes-input-tokens.js';
import { compactRoute, type CompactRouteDeps } from './routes-compact.js';
import { FILE_ROUTES, type FilesRouteDeps } from './routes-files.js';
import { CONVERSATION_ROUTES, type ConversationsRouteDeps } from './routes-conversations.js';
import { CONTAINER_ROUTES, type ContainersRouteDeps } from './routes-containers.js';
import { VECTOR_STORE_ROUTES, type VectorStoresRouteDeps } from './routes-vector-stores.js';
import { createResponseRoute, getResponseRoute, listInputItemsRoute, type ResponsesRouteDeps } from './routes-responses.js';
import { sendError, sendJson } from './send.js';
import { COMMON_METHODS, createRouter, type RouteDef, type RouteMatch, type RouteParams } from './router.js';
import type { RequestContext } from '../store/request-context.js';
import type { Logger } from '../log/logger.js';

export interface AppDeps extends ResponsesRouteDeps, FilesRouteDeps, ConversationsRouteDeps, CompactRouteDeps, ContainersRouteDeps, VectorStoresRouteDeps {
  auth: Authenticator;
  registry: ProviderRegistry;
  store: ResponseStore;
  log: Logger;
  /** The request line goes out at info level (else debug). */
  logRequests: boolean;
  /** Extra fields for `GET /health` (where store commits run). */
  health?: () => Record<string, unknown>;
  /** True once the server is shutting down: new requests get 503, and each connection closes after its answer. */
  draining?: () => boolean;
  /** `Idempotency-Key` on the routes marked `idempotent` (absent: the header is ignored). */
  idempotency?: Idempotency;
}

type Handler = (deps: AppDeps, ctx: RequestContext, params: RouteParams, url: URL, req: IncomingMessage, res: ServerResponse) => Promise<void>;

const health: Handler = async (d, _c, _p, _u, _req, res) => sendJson(res, 200, { status: 'ok', ...d.health?.() });
const HEALTH_METHODS = Object.fromEntries(COMMON_METHODS.map((m) => [m, health]));

const ROUTES: RouteDef<Handler>[] = [
  { path: '/health', methods: HEALTH_METHODS, unversioned: true },
  { path: '/healthz', methods: HEALTH_METHODS, unversioned: true },
  // `idempotent: true`: the route's POST honours `Idempotency-Key` (idempotency.ts). Counting input tokens and
  // cancelling create nothing and are safe to repeat: they are not marked.
  { path: '/responses', methods: { POST: (d, c, _p, _u, req, res) => createResponseRoute(d, c, req, res) }, idempotent: true },
  // A static segment wins over `:id` for every method: `input_tokens` is not a response id (GET → 405).
  { path: '/responses/input_tokens', methods: { POST: (d, c, _p, _u, req, res) => inputTokensRoute(d, c, req, res) } },
  { path: '/responses/compact', methods: { POST: (d, c, _p, _u, req, res) => compactRoute(d, c, req, res) } },
  {
    path: '/responses/:id',
    methods: {
      GET: (d, c, p, u, _req, res) => getResponseRoute(d, c, p.id!, u, res),
      DELETE: async (d, c, p, _u, _req, res) => sendJson(res, 200, await d.service.delete(c, p.id!)),
    },
  },
  { path: '/responses/:id/input_items', methods: { GET: (d, c, p, u, _req, res) => listInputItemsRoute(d, c, p.id!, u, res) } },
  { path: '/responses/:id/cancel', methods: { POST: async (d, c, p, _u, _req, res) => sendJson(res, 200, await d.service.cancel(c, p.id!)) } },
  { path: '/models', methods: { GET: async (d, _c, _p, _u, _req, res) => sendJson(res, 200, modelList(d)) } },
  {
    // Model ids hold slashes (`openrouter/meta-llama/llama-3.1-8b`): the rest of the path, decoded.
    path: '/models/*',
    methods: {
      GET: async (d, _c, p, _u, _req, res) => {
        const id = p['*']!;
        const found = modelList(d).data.find((x) => x.id === id);
        if (!found) throw new ApiError(404, `The model '${id}' does not exist.`, { param: 'model', code: 'model_not_found' });
        sendJson(res, 200, found);
      },
    },
  },
  ...FILE_ROUTES,
  ...CONVERSATION_ROUTES,
  ...CONTAINER_ROUTES,
  ...VECTOR_STORE_ROUTES,
];

const route = createRouter(ROUTES.map(withIdempotency));

function withIdempotency(def: RouteDef<Handler>): RouteDef<Handler> {
  const post = def.methods.POST;
  if (!def.idempotent || !post) return def;
  // A request without the header costs one header lookup.
  const wrapped: Handler = (d, c, p, u, req, res) => d.idempotency && req.headers['idempotency-key'] !== undefined
    ? d.idempotency.run(c, def.path, req, res, () => post(d, c, p, u, req, res))
    : post(d, c, p, u, req, res);
  return { ...def, methods: { ...def.methods, POST: wrapped } };
}

const CREATED = Math.floor(Date.now() / 1000);

function modelList(d: AppDeps) {
  return { object: 'list' as const, data: d.registry.list().map((m) => ({ id: m.id, object: 'model' as const, created: CREATED, owned_by: m.owned_by })) };
}

export function createApp(deps: AppDeps): Server {
  const server = createServer((req, res) => { void handle(deps, req, res); });
  server.on('clientError', answerUnparsable);
  return server;
}

/**
 * A request node's HTTP parser refuses (raw non-ASCII bytes in the path, a broken request line, headers too
 * large) never reaches a route: answer it in the same envelope, with a request id, instead of a bare 400.
 */
function answerUnparsable(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const body = JSON.stringify(new ApiError(status, 'The request is not valid HTTP (the path must be ASCII, percent-encoded).', { code: 'invalid_http_request' }).toBody());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${newId('req')}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** The URL handlers get for a request without a query string (they only read its searchParams). */
const NO_QUERY = new URL('http://switchboard/');

async function handle(deps: AppDeps, req: IncomingMessage, res: ServerResponse) {
  const requestId = newId('req');
  res.setHeader('x-request-id', requestId);
  const started = process.hrtime.bigint();
  let status = 0;
  try {
    if (deps.draining?.()) throw shuttingDown(res);
    const target = req.url ?? '/';
    const method = req.method ?? 'GET';
    const match = route(method, target);
    if (match.kind !== 'route') throw routeError(match, method, target);
    // Most requests (POST /v1/responses) carry no query string: only those with one pay for a URL parse.
    const q = target.indexOf('?');
    const url = q < 0 ? NO_QUERY : new URL(`http://switchboard/${target.slice(q)}`);
    const ctx = match.authenticate
      ? deps.auth.authenticate(req.headers, requestId)
      : { requestId, tenant: 'default', keyId: null };
    await match.handler(deps, ctx, match.params, url, req, res);
  } catch (err) {
    if (!(err instanceof ApiError)) deps.log.error({ request_id: requestId, err: String((err as Error)?.stack ?? err) }, 'unhandled error');
    sendError(res, err);
  } finally {
    status = res.statusCode;
    if (req.readableEnded === false) req.resume();
    if (deps.draining?.()) closeAfterAnswer(req, res);
    // The line is built only when it goes out: this runs on every request.
    if (deps.logRequests || deps.log.isLevelEnabled('debug')) {
      const line = { request_id: requestId, method: req.method, path: req.url, status, ms: Number(process.hrtime.bigint() - started) / 1e6 };
      if (deps.logRequests) deps.log.info(line, 'request');
      else deps.log.debug(line, 'request');
    }
  }
}

function routeError(match: Exclude<RouteMatch<Handler>, { kind: 'route' }>, method: string, target: string): ApiError {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  if (match.kind === 'bad_path') {
    return new ApiError(400, `The request path is not valid (malformed percent-encoding): ${method} ${path}.`, { code: 'invalid_path' });
  }
  if (match.kind === 'method_not_allowed') {
    return new ApiError(405, `Method ${method} is not allowed on ${path}. Allowed: ${match.allow}.`, {
      code: 'method_not_allowed', headers: { allow: match.allow },
    });
  }
  return new ApiError(404, `Unknown route: ${method} ${path}.`, { code: 'unknown_route' });
}

function shuttingDown(res: ServerResponse): ApiError {
  res.shouldKeepAlive = false;
  return new ApiError(503, 'The server is shutting down; send the request again to another instance or later.', {
    type: 'server_error', code: 'server_shutdown',
  });
}

/** While draining, a connection is not kept alive past the answer it is carrying (its headers may be out). */
function closeAfterAnswer(req: IncomingMessage, res: ServerResponse) {
  const end = () => req.socket.end();
  if (res.writableFinished) end();
  else res.once('finish', end);
}
