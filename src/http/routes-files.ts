/** `/v1/files` and its sub-resources, as the `openai` SDK's `client.files.*` calls them. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { ApiError, invalidRequest } from '../api/errors.js';
import { checkPurpose, uploadTooLarge, type FileService, type PendingUpload } from '../files/file-service.js';
import { multipartBoundary, parseMultipart } from '../files/multipart.js';
import type { RequestContext } from '../store/request-context.js';
import { intParam } from './query-params.js';
import type { RouteDef, RouteParams } from './router.js';
import { sendJson } from './send.js';

export interface FilesRouteDeps {
  files: FileService;
}

export type FilesHandler = (
  deps: FilesRouteDeps, ctx: RequestContext, params: RouteParams, url: URL, req: IncomingMessage, res: ServerResponse,
) => Promise<void>;

/** Room for the form's text fields and part headers on top of the file itself. */
const FORM_OVERHEAD_BYTES = 1024 * 1024;

export const createFileRoute: FilesHandler = async (deps, ctx, _m, _url, req, res) => {
  const boundary = multipartBoundary(req.headers['content-type']);
  const maxFile = deps.files.maxUploadBytes;
  const maxBody = maxFile + FORM_OVERHEAD_BYTES;
  if (Number(req.headers['content-length'] ?? NaN) > maxBody) throw uploadTooLarge(maxFile);

  const held: { upload: PendingUpload | null } = { upload: null };
  try {
    const form = await parseMultipart(req, boundary, { maxBodyBytes: maxBody }, (info, fieldsSoFar) => {
      if (info.name !== 'file') return null;
      if (held.upload) throw invalidRequest("Only one 'file' may be uploaded per request.", 'file', 'invalid_value');
      // Refuse before writing anything when the purpose came first and is wrong.
      const purpose = fieldsSoFar.get('purpose');
      if (purpose !== undefined) checkPurpose(purpose);
      held.upload = deps.files.beginUpload();
      return held.upload;
    });
    const upload = held.upload;
    const part = form.files[0];
    if (!upload || !part) throw invalidRequest("Missing required parameter: 'file'.", 'file', 'missing_required_parameter');
    const purpose = form.fields.get('purpose');
    if (purpose === undefined) throw invalidRequest("Missing required parameter: 'purpose'.", 'purpose', 'missing_required_parameter');
    const file = await deps.files.commit(ctx, upload, {
      filename: part.info.filename,
      contentType: part.info.contentType,
      purpose,
      expiresAfterSeconds: expiresAfter(form.fields),
    });
    held.upload = null;
    sendJson(res, 200, file);
  } catch (err) {
    // The client hung up mid-upload: a client event, not a server fault to log as one.
    if (!(err instanceof ApiError) && (err as NodeJS.ErrnoException).code === 'ECONNRESET') {
      throw new ApiError(400, 'The upload ended before the multipart body was complete.', { code: 'upload_incomplete' });
    }
    throw err;
  } finally {
    if (held.upload) await held.upload.discard();
  }
};

export const listFilesRoute: FilesHandler = async (deps, ctx, _m, url, _req, res) => {
  const limit = intParam(url, 'limit', 10_000, 1, 10_000);
  const order = url.searchParams.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw invalidRequest(`Invalid 'order': expected 'asc' or 'desc', got '${order}'.`, 'order', 'invalid_value');
  const purpose = url.searchParams.get('purpose') ?? undefined;
  const after = url.searchParams.get('after') ?? undefined;
  sendJson(res, 200, await deps.files.list(ctx, { purpose, limit, order, after }));
};

export const retrieveFileRoute: FilesHandler = async (deps, ctx, p, _url, _req, res) => {
  sendJson(res, 200, await deps.files.retrieve(ctx, p.id!));
};

export const deleteFileRoute: FilesHandler = async (deps, ctx, p, _url, _req, res) => {
  sendJson(res, 200, await deps.files.delete(ctx, p.id!));
};

export const fileContentRoute: FilesHandler = async (deps, ctx, p, _url, _req, res) => {
  const { file, contentType, handle } = await deps.files.open(ctx, p.id!);
  res.writeHead(200, {
    'content-type': contentType,
    'content-length': file.bytes,
    // The bytes are the uploader's: never let a browser run them as a page of ours.
    'x-content-type-options': 'nosniff',
    'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
  });
  try {
    await pipeline(handle.createReadStream(), res);
  } catch (err) {
    // The client went away mid-download: nothing to answer.
    if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
  } finally {
    await handle.close().catch(() => {});
  }
};

/** Splice into server.ts's ROUTES: paths without their `/v1` prefix; `:id` arrives decoded (router.ts). */
export const FILE_ROUTES: RouteDef<FilesHandler>[] = [
  { path: '/files', methods: { GET: listFilesRoute, POST: createFileRoute }, idempotent: true },
  { path: '/files/:id', methods: { GET: retrieveFileRoute, DELETE: deleteFileRoute } },
  { path: '/files/:id/content', methods: { GET: fileContentRoute } },
];

/**
 * `expires_after` as the SDK sends it (`expires_after[anchor]`, `expires_after[seconds]` form fields) or as
 * one JSON-valued field.
 */
function expiresAfter(fields: ReadonlyMap<string, string>): number | undefined {
  let anchor = fields.get('expires_after[anchor]');
  let seconds: unknown = fields.get('expires_after[seconds]');
  const json = fields.get('expires_after');
  if (json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      throw invalidRequest("Invalid 'expires_after': expected an object with 'anchor' and 'seconds'.", 'expires_after', 'invalid_value');
    }
    if (!parsed || typeof parsed !== 'object') throw invalidRequest("Invalid 'expires_after': expected an object.", 'expires_after', 'invalid_value');
    anchor = String((parsed as Record<string, unknown>).anchor ?? '');
    seconds = (parsed as Record<string, unknown>).seconds;
  }
  if (anchor === undefined && seconds === undefined) return undefined;
  if (anchor !== 'created_at') {
    throw invalidRequest(`Invalid 'expires_after.anchor': expected 'created_at', got '${anchor ?? ''}'.`, 'expires_after.anchor', 'invalid_value');
  }
  const n = Number(seconds);
  if (seconds === undefined || seconds === '' || !Number.isFinite(n)) {
    throw invalidRequest("Invalid 'expires_after.seconds': expected a number of seconds.", 'expires_after.seconds', 'invalid_value');
  }
  return n;
}
