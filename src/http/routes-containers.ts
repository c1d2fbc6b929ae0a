/** `/v1/containers` and its files, as the `openai` SDK's `client.containers.*` calls them. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, invalidRequest } from '../api/errors.js';
import type { ContainerService } from '../containers/container-service.js';
import { multipartBoundary, parseMultipart } from '../files/multipart.js';
import type { RequestContext } from '../store/request-context.js';
import { intParam } from './query-params.js';
import { readJsonBody } from './read-body.js';
import type { RouteDef, RouteParams } from './router.js';
import { sendJson } from './send.js';

export interface ContainersRouteDeps {
  containers: ContainerService;
  bodyLimitBytes: number;
}

export type ContainersHandler = (
  deps: ContainersRouteDeps, ctx: RequestContext, params: RouteParams, url: URL, req: IncomingMessage, res: ServerResponse,
) => Promise<void>;

const FORM_OVERHEAD_BYTES = 1024 * 1024;

function pageQuery(url: URL) {
  const limit = intParam(url, 'limit', 20, 1, 100);
  const order = url.searchParams.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw invalidRequest(`Invalid 'order': expected 'asc' or 'desc', got '${order}'.`, 'order', 'invalid_value');
  return { limit, order: order as 'asc' | 'desc', after: url.searchParams.get('after') ?? undefined };
}

/** A multipart upload (field `file`) or a JSON `{file_id}` of a Files API file. */
const createFile: ContainersHandler = async (d, c, p, _u, req, res) => {
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (!type.startsWith('multipart/form-data')) {
    const body = await readJsonBody(req, d.bodyLimitBytes) as Record<string, unknown> | null;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('The request body must be a JSON object or a multipart form.', null, 'invalid_type');
    for (const key of Object.keys(body)) if (key !== 'file_id') throw invalidRequest(`Unrecognized request argument supplied: ${key}`, key, 'unknown_parameter');
    if (typeof body.file_id !== 'string' || !body.file_id) throw invalidRequest("Missing required parameter: 'file' or 'file_id'.", 'file_id', 'missing_required_parameter');
    sendJson(res, 200, await d.containers.addFileById(c, p.id!, body.file_id));
    return;
  }
  const max = d.containers.opts.maxFileBytes;
  if (Number(req.headers['content-length'] ?? NaN) > max + FORM_OVERHEAD_BYTES) throw tooLarge(max);
  const chunks: Buffer[] = [];
  let size = 0;
  let seen = false;
  const form = await parseMultipart(req, multipartBoundary(req.headers['content-type']), { maxBodyBytes: max + FORM_OVERHEAD_BYTES }, (info) => {
    if (info.name !== 'file') return null;
    if (seen) throw invalidRequest("Only one 'file' may be uploaded per request.", 'file', 'invalid_value');
    seen = true;
    return {
      async write(chunk: Buffer) {
        size += chunk.length;
        if (size > max) throw tooLarge(max);
        chunks.push(chunk);
      },
    };
  });
  const part = form.files[0];
  const fileId = form.fields.get('file_id');
  if (!part && fileId) {
    sendJson(res, 200, await d.containers.addFileById(c, p.id!, fileId));
    return;
  }
  if (!part) throw invalidRequest("Missing required parameter: 'file' or 'file_id'.", 'file', 'missing_required_parameter');
  sendJson(res, 200, await d.containers.addFile(c, p.id!, { filename: part.info.filename, data: Buffer.concat(chunks) }));
};

const fileContent: ContainersHandler = async (d, c, p, _u, _req, res) => {
  const { file, data } = d.containers.fileContent(c, p.id!, p.file_id!);
  const name = file.path.split('/').pop() ?? 'file';
  res.writeHead(200, {
    'content-type': contentTypeFor(name),
    'content-length': data.length,
    // Bytes the code or a user wrote: never let a browser run them as a page of ours.
    'x-content-type-options': 'nosniff',
    'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
  });
  res.end(data);
};

/** Splice into server.ts's ROUTES: paths without their `/v1` prefix; params arrive decoded (router.ts). */
export const CONTAINER_ROUTES: RouteDef<ContainersHandler>[] = [
  {
    path: '/containers',
    methods: {
      POST: async (d, c, _p, _u, req, res) => sendJson(res, 200, await d.containers.create(c, await readJsonBody(req, d.bodyLimitBytes))),
      GET: async (d, c, _p, u, _req, res) => sendJson(res, 200, d.containers.list(c, { ...pageQuery(u), name: u.searchParams.get('name') ?? undefined })),
    },
  },
  {
    path: '/containers/:id',
    methods: {
      GET: async (d, c, p, _u, _req, res) => sendJson(res, 200, d.containers.retrieve(c, p.id!)),
      DELETE: async (d, c, p, _u, _req, res) => sendJson(res, 200, await d.containers.delete(c, p.id!)),
    },
  },
  {
    path: '/containers/:id/files',
    methods: {
      POST: createFile,
      GET: async (d, c, p, u, _req, res) => sendJson(res, 200, d.containers.listFiles(c, p.id!, pageQuery(u))),
    },
  },
  {
    path: '/containers/:id/files/:file_id',
    methods: {
      GET: async (d, c, p, _u, _req, res) => sendJson(res, 200, d.containers.retrieveFile(c, p.id!, p.file_id!)),
      DELETE: async (d, c, p, _u, _req, res) => sendJson(res, 200, await d.containers.deleteFile(c, p.id!, p.file_id!)),
    },
  },
  { path: '/containers/:id/files/:file_id/content', methods: { GET: fileContent } },
];

function tooLarge(limit: number): ApiError {
  return new ApiError(413, `The file exceeds the container file limit of ${limit} bytes.`, { param: 'file', code: 'file_too_large' });
}

const TYPES: Record<string, string> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', svg: 'image/svg+xml',
  csv: 'text/csv', txt: 'text/plain', md: 'text/markdown', json: 'application/json', html: 'text/html', pdf: 'application/pdf',
  py: 'text/x-python', zip: 'application/zip',
};

function contentTypeFor(name: string): string {
  const ext = name.includes('.') ? name.split('.').pop()!.toLowerCase() : '';
  return TYPES[ext] ?? 'application/octet-stream';
}
