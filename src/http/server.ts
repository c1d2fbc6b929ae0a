/**
 * The HTTP front door on bare `node:http`: the gateway's hot path stays a few function calls deep.
 * Routes are served with and without a version prefix (`/v1/responses`, `/v5/responses`, `/responses`), so
 * base URLs ending in `/v1` or not both work. Every answer carries `x-request-id`; every error is the envelope.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ApiError } from '../api/errors.js';
import { newId } from '../api/ids.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { Authenticator } from './auth.js';
import type { ResponseStore } from '../store/response-store.js';
import { inputTokensRoute } from './routes-input-tokens.js';
import { FILE_ROUTES, type FilesRouteDeps } from './routes-files.js';
import { createResponseRoute, getResponseRoute, listInputItemsRoute, type ResponsesRouteDeps } from './routes-responses.js';
import { sendError, sendJson } from './send.js';

export interface AppDeps extends ResponsesRouteDeps, FilesRouteDeps {
  auth: Authenticator;
  registry: ProviderRegistry;
  store: ResponseStore;
  log: (line: Record<string, unknown>) => void;
  /** True once the server is shutting down: new requests get 503, and each connection closes after its answer. */
  draining?: () => boolean;
}

type Handler = (deps: AppDeps, ctx: import('../store/request-context.js').RequestContext, m: string[], url: URL, req: IncomingMessage, res: ServerResponse) => Promise<void>;

interface RouteDef { pattern: RegExp; methods: Record<string, Handler> }

const ROUTES: RouteDef[] = [
  { pattern: /^\/responses$/, methods: { POST: (d, c, _m, _u, req, res) => createResponseRoute(d, c, req, res) } },
  // Before /responses/{id}: `input_tokens` is not a response id.
  { pattern: /^\/responses\/input_tokens$/, methods: { POST: (d, c, _m, _u, req, res) => inputTokensRoute(d, c, req, res) } },
  {
    pattern: /^\/responses\/([^/]+)$/,
    methods: {
      GET: (d, c, m, u, _req, res) => getResponseRoute(d, c, m[1], u, res),
      DELETE: async (d, c, m, _u, _req, res) => sendJson(res, 200, await d.service.delete(c, m[1])),
    },
  },
  { pattern: /^\/responses\/([^/]+)\/input_items$/, methods: { GET: (d, c, m, u, _req, res) => listInputItemsRoute(d, c, m[1], u, res) } },
  { pattern: /^\/responses\/([^/]+)\/cancel$/, methods: { POST: async (d, c, m) => { await d.service.cancel(c, m[1]); } } },
  { pattern: /^\/models$/, methods: { GET: async (d, _c, _m, _u, _req, res) => sendJson(res, 200, modelList(d)) } },
  {
    pattern: /^\/models\/(.+)$/,
    methods: {
      GET: async (d, _c, m, _u, _req, res) => {
        const id = decodeURIComponent(m[1]);
        const found = modelList(d).data.find((x) => x.id === id);
        if (!found) throw new ApiError(404, `The model '${id}' does not exist.`, { param: 'model', code: 'model_not_found' });
        sendJson(res, 200, found);
      },
    },
  },
  ...FILE_ROUTES,
];

const CREATED = Math.floor(Date.now() / 1000);

function modelList(d: AppDeps) {
  return { object: 'list' as const, data: d.registry.list().map((m) => ({ id: m.id, object: 'model' as const, created: CREATED, owned_by: m.owned_by })) };
}

const VERSION_PREFIX = /^\/v\d+(?=\/)/;

export function createApp(deps: AppDeps): Server {
  return createServer((req, res) => { void handle(deps, req, res); });
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
    // Most requests (POST /v1/responses) carry no query string: only those with one pay for a URL parse.
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const url = q < 0 ? NO_QUERY : new URL(target, 'http://switchboard');
    const path = (q < 0 ? target : url.pathname).replace(/\/+$/, '') || '/';
    if (path === '/health' || path === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    const routePath = path.replace(VERSION_PREFIX, '');
    for (const route of ROUTES) {
      const m = route.pattern.exec(routePath);
      if (!m) continue;
      const method = req.method ?? 'GET';
      const handler = route.methods[method];
      if (!handler) {
        throw new ApiError(405, `Method ${method} is not allowed on ${path}. Allowed: ${Object.keys(route.methods).join(', ')}.`, {
          code: 'method_not_allowed', headers: { allow: Object.keys(route.methods).join(', ') },
        });
      }
      const ctx = deps.auth.authenticate(req.headers, requestId);
      await handler(deps, ctx, m, url, req, res);
      return;
    }
    throw new ApiError(404, `Unknown route: ${req.method} ${path}.`, { code: 'unknown_route' });
  } catch (err) {
    if (!(err instanceof ApiError)) deps.log({ level: 'error', request_id: requestId, msg: 'unhandled error', err: String((err as Error)?.stack ?? err) });
    sendError(res, err);
  } finally {
    status = res.statusCode;
    if (req.readableEnded === false) req.resume();
    if (deps.draining?.()) closeAfterAnswer(req, res);
    deps.log({ level: 'debug', request_id: requestId, method: req.method, path: req.url, status, ms: Number(process.hrtime.bigint() - started) / 1e6 });
  }
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
