/** `/v1/vector_stores` and its sub-resources, as the `openai` SDK's `client.vectorStores.*` calls them. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidRequest } from '../api/errors.js';
import type { RequestContext } from '../store/request-context.js';
import type { VectorStoreService } from '../vector-stores/vector-store-service.js';
import type { PageQuery } from '../vector-stores/vector-store-store.js';
import {
  parseAttach, parseBatch, parseCreateStore, parseSearch, parseUpdateAttributes, parseUpdateStore,
} from '../vector-stores/vector-store-params.js';
import { intParam } from './query-params.js';
import { readJsonBody } from './read-body.js';
import type { RouteDef, RouteParams } from './router.js';
import { sendJson } from './send.js';

export interface VectorStoresRouteDeps {
  vectorStores: VectorStoreService;
  bodyLimitBytes: number;
}

export type VectorStoresHandler = (
  deps: VectorStoresRouteDeps, ctx: RequestContext, params: RouteParams, url: URL, req: IncomingMessage, res: ServerResponse,
) => Promise<void>;

const FILE_STATUSES = ['in_progress', 'completed', 'failed', 'cancelled'];
/** The SDK's pollers wait this long between retrieves of something still in progress (instead of 5 s). */
const POLL_AFTER = { 'openai-poll-after-ms': '200' };

function pageQuery(url: URL): PageQuery {
  const limit = intParam(url, 'limit', 20, 1, 100);
  const order = url.searchParams.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw invalidRequest(`Invalid 'order': expected 'asc' or 'desc', got '${order}'.`, 'order', 'invalid_value');
  const after = url.searchParams.get('after') ?? undefined;
  const before = url.searchParams.get('before') ?? undefined;
  if (after !== undefined && before !== undefined) throw invalidRequest("Give 'after' or 'before', not both.", 'before', 'invalid_value');
  return { limit, order, after, before };
}

function filesQuery(url: URL): PageQuery & { status?: string } {
  const status = url.searchParams.get('filter') ?? undefined;
  if (status !== undefined && !FILE_STATUSES.includes(status)) {
    throw invalidRequest(`Invalid 'filter': expected one of ${FILE_STATUSES.join(', ')}, got '${status}'.`, 'filter', 'invalid_value');
  }
  return { ...pageQuery(url), status };
}

/** `client.vectorStores.create()` with no arguments still sends `{}`; a bare POST with no body is taken as `{}` too. */
function body(req: IncomingMessage, limit: number): Promise<unknown> {
  const length = req.headers['content-length'];
  if (length === '0' || (length === undefined && req.headers['transfer-encoding'] === undefined)) return Promise.resolve({});
  return readJsonBody(req, limit);
}

const inProgressHeaders = (status: string) => (status === 'in_progress' ? POLL_AFTER : {});

/** Splice into server.ts's ROUTES: paths without their `/v1` prefix; params arrive decoded (router.ts). */
export const VECTOR_STORE_ROUTES: RouteDef<VectorStoresHandler>[] = [
  {
    path: '/vector_stores',
    methods: {
      POST: async (d, c, _p, _u, req, res) => sendJson(res, 200, await d.vectorStores.create(c, parseCreateStore(await body(req, d.bodyLimitBytes)))),
      GET: async (d, c, _p, u, _req, res) => sendJson(res, 200, await d.vectorStores.list(c, pageQuery(u))),
    },
    idempotent: true,
  },
  {
    path: '/vector_stores/:id',
    methods: {
      GET: async (d, c, p, _u, _req, res) => {
        const vs = await d.vectorStores.retrieve(c, p.id!);
        sendJson(res, 200, vs, inProgressHeaders(vs.status));
      },
      POST: async (d, c, p, _u, req, res) => sendJson(res, 200, await d.vectorStores.update(c, p.id!, parseUpdateStore(await body(req, d.bodyLimitBytes)))),
      DELETE: async (d, c, p, _u, _req, res) => sendJson(res, 200, await d.vectorStores.delete(c, p.id!)),
    },
  },
  {
    path: '/vector_stores/:id/search',
    methods: { POST: async (d, c, p, _u, req, res) => sendJson(res, 200, await d.vectorStores.searchPage(c, p.id!, parseSearch(await readJsonBody(req, d.bodyLimitBytes)))) },
  },
  {
    path: '/vector_stores/:id/files',
    methods: {
      POST: async (d, c, p, _u, req, res) => sendJson(res, 200, await d.vectorStores.attachFile(c, p.id!, parseAttach(await readJsonBody(req, d.bodyLimitBytes)))),
      GET: async (d, c, p, u, _req, res) => sendJson(res, 200, await d.vectorStores.listFiles(c, p.id!, filesQuery(u))),
    },
    idempotent: true,
  },
  {
    path: '/vector_stores/:id/files/:file_id',
    methods: {
      GET: async (d, c, p, _u, _req, res) => {
        const f = await d.vectorStores.retrieveFile(c, p.id!, p.file_id!);
        sendJson(res, 200, f, inProgressHeaders(f.status));
      },
      POST: async (d, c, p, _u, req, res) =>
        sendJson(res, 200, await d.vectorStores.updateFile(c, p.id!, p.file_id!, parseUpdateAttributes(await readJsonBody(req, d.bodyLimitBytes)))),
      DELETE: async (d, c, p, _u, _req, res) => sendJson(res, 200, await d.vectorStores.deleteFile(c, p.id!, p.file_id!)),
    },
  },
  {
    path: '/vector_stores/:id/files/:file_id/content',
    methods: { GET: async (d, c, p, _u, _req, res) => sendJson(res, 200, await d.vectorStores.fileContent(c, p.id!, p.file_id!)) },
  },
  {
    path: '/vector_stores/:id/file_batches',
    methods: { POST: async (d, c, p, _u, req, res) => sendJson(res, 200, await d.vectorStores.createBatch(c, p.id!, parseBatch(await readJsonBody(req, d.bodyLimitBytes)))) },
    idempotent: true,
  },
  {
    path: '/vector_stores/:id/file_batches/:batch_id',
    methods: {
      GET: async (d, c, p, _u, _req, res) => {
        const b = await d.vectorStores.retrieveBatch(c, p.id!, p.batch_id!);
        sendJson(res, 200, b, inProgressHeaders(b.status));
      },
    },
  },
  {
    path: '/vector_stores/:id/file_batches/:batch_id/cancel',
    methods: { POST: async (d, c, p, _u, _req, res) => sendJson(res, 200, await d.vectorStores.cancelBatch(c, p.id!, p.batch_id!)) },
  },
  {
    path: '/vector_stores/:id/file_batches/:batch_id/files',
    methods: { GET: async (d, c, p, u, _req, res) => sendJson(res, 200, await d.vectorStores.listBatchFiles(c, p.id!, p.batch_id!, filesQuery(u))) },
  },
];
