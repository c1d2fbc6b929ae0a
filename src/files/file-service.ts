/**
 * The Files resource: bytes on disk (one file per id under `dir`), metadata in the store.
 *
 * An upload is written to a temporary name in the same directory, fsynced, renamed to its id, and only then
 * recorded in the database: a file id is never visible before its bytes are complete, and a failed insert
 * removes the renamed file. Deleting removes the row first, so the API never lists a file it cannot serve.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ApiError, invalidRequest, notFound } from '../api/errors.js';
import type { RequestContext } from '../store/request-context.js';
import type { FileRow, FileStore } from './file-store.js';

export const FILE_PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'] as const;
export type FilePurpose = (typeof FILE_PURPOSES)[number];

export const DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024;
export const DEFAULT_FILES_DIR = './data/files';

/** OpenAI's limits for `expires_after.seconds`. */
const MIN_EXPIRY_S = 3600;
const MAX_EXPIRY_S = 30 * 24 * 3600;
const TEMP_PREFIX = '.upload-';
const STALE_TEMP_MS = 3600_000;

export interface FileObject {
  id: string;
  object: 'file';
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
  status: 'processed';
  expires_at: number | null;
  status_details: null;
}

export interface FileList {
  object: 'list';
  data: FileObject[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

export interface FileMeta {
  filename: string;
  contentType: string;
  purpose: string;
  /** `expires_after.seconds` (anchor `created_at`), already validated or undefined. */
  expiresAfterSeconds?: number;
}

export interface FileContent {
  file: FileObject;
  contentType: string;
  data: Buffer;
}

export interface FileServiceOptions {
  /** Where the bytes go (default `./data/files`). */
  dir?: string;
  /** Largest accepted upload in bytes (default 100 MiB). */
  maxUploadBytes?: number;
}

/** An upload being written to its temporary file. Either `FileService.commit` it or `discard` it. */
export class PendingUpload {
  bytes = 0;
  private fh: FileHandle | null = null;
  private closed = false;

  constructor(readonly tmpPath: string, private readonly maxBytes: number) {}

  async write(chunk: Buffer): Promise<void> {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) throw uploadTooLarge(this.maxBytes);
    const fh = await this.handle();
    let off = 0;
    while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
  }

  /** Flushes the bytes to disk and closes the temporary file. */
  async finish(): Promise<void> {
    const fh = await this.handle();
    await fh.sync();
    this.closed = true;
    await fh.close();
  }

  async discard(): Promise<void> {
    if (this.fh && !this.closed) {
      this.closed = true;
      await this.fh.close().catch(() => {});
    }
    await rm(this.tmpPath, { force: true });
  }

  private async handle(): Promise<FileHandle> {
    if (this.closed) throw new Error('upload already finished');
    this.fh ??= await open(this.tmpPath, 'wx', 0o600);
    return this.fh;
  }
}

export class FileService {
  readonly dir: string;
  readonly maxUploadBytes: number;

  constructor(private readonly store: FileStore, opts: FileServiceOptions = {}) {
    this.dir = resolve(opts.dir ?? DEFAULT_FILES_DIR);
    this.maxUploadBytes = opts.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  }

  /** Creates the directory and removes temporary files that a crashed upload left behind. */
  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const now = Date.now();
    for (const name of await readdir(this.dir)) {
      if (!name.startsWith(TEMP_PREFIX)) continue;
      const path = join(this.dir, name);
      const st = await stat(path).catch(() => null);
      if (st && now - st.mtimeMs > STALE_TEMP_MS) await rm(path, { force: true });
    }
  }

  beginUpload(): PendingUpload {
    return new PendingUpload(join(this.dir, `${TEMP_PREFIX}${randomBytes(12).toString('hex')}.part`), this.maxUploadBytes);
  }

  /** Makes a finished upload a file: validates `meta`, renames the bytes into place, inserts the row. */
  async commit(ctx: RequestContext, upload: PendingUpload, meta: FileMeta): Promise<FileObject> {
    checkPurpose(meta.purpose);
    if (meta.expiresAfterSeconds !== undefined) checkExpiry(meta.expiresAfterSeconds);
    await upload.finish();
    const id = newFileId();
    const path = join(this.dir, id);
    await rename(upload.tmpPath, path);
    const now = Date.now();
    const row: FileRow = {
      id,
      tenant: ctx.tenant,
      filename: cleanFilename(meta.filename),
      purpose: meta.purpose,
      bytes: upload.bytes,
      created_at: now,
      path: id,
      status: 'processed',
      content_type: cleanContentType(meta.contentType),
      expires_at: meta.expiresAfterSeconds === undefined ? null : now + meta.expiresAfterSeconds * 1000,
    };
    try {
      await this.store.insert(row);
    } catch (err) {
      await rm(path, { force: true });
      throw err;
    }
    return present(row);
  }

  /** Stores bytes produced in-process (not from an HTTP upload). */
  async create(ctx: RequestContext, data: Buffer | AsyncIterable<Buffer>, meta: FileMeta): Promise<FileObject> {
    checkPurpose(meta.purpose);
    const upload = this.beginUpload();
    try {
      if (Buffer.isBuffer(data)) await upload.write(data);
      else for await (const chunk of data) await upload.write(chunk);
      return await this.commit(ctx, upload, meta);
    } catch (err) {
      await upload.discard();
      throw err;
    }
  }

  async retrieve(ctx: RequestContext, id: string): Promise<FileObject> {
    return present(await this.row(ctx, id));
  }

  async list(ctx: RequestContext, q: { purpose?: string; limit: number; order: 'asc' | 'desc'; after?: string }): Promise<FileList> {
    const { rows, hasMore } = await this.store.list(ctx.tenant, q);
    const data = rows.map(present);
    return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: hasMore };
  }

  async delete(ctx: RequestContext, id: string): Promise<{ id: string; object: 'file'; deleted: true }> {
    const row = await this.store.delete(ctx.tenant, id);
    if (!row) throw fileNotFound(id);
    await rm(join(this.dir, row.path), { force: true });
    return { id, object: 'file', deleted: true };
  }

  /** Opens the bytes for streaming; the caller closes the handle. */
  async open(ctx: RequestContext, id: string): Promise<{ file: FileObject; contentType: string; handle: FileHandle }> {
    const row = await this.row(ctx, id);
    try {
      return { file: present(row), contentType: contentTypeOf(row), handle: await open(join(this.dir, row.path), 'r') };
    } catch (err) {
      throw missingContent(row.id, err);
    }
  }

  /** The whole file in memory, or null when the tenant has no such file (content resolution inlines it). */
  async readContent(ctx: RequestContext, id: string): Promise<FileContent | null> {
    const row = await this.store.get(ctx.tenant, id);
    if (!row) return null;
    try {
      return { file: present(row), contentType: contentTypeOf(row), data: await readFile(join(this.dir, row.path)) };
    } catch (err) {
      throw missingContent(row.id, err);
    }
  }

  /** Deletes files whose `expires_at` has passed; returns how many. Call it on a timer. */
  async sweepExpired(now = Date.now()): Promise<number> {
    let total = 0;
    for (let round = 0; round < 100; round++) {
      const rows = await this.store.listExpired(now, 100);
      for (const row of rows) {
        await this.store.deleteRow(row.id);
        await rm(join(this.dir, row.path), { force: true });
      }
      total += rows.length;
      if (rows.length < 100) break;
    }
    return total;
  }

  private async row(ctx: RequestContext, id: string): Promise<FileRow> {
    const row = await this.store.get(ctx.tenant, id);
    if (!row) throw fileNotFound(id);
    return row;
  }
}

export function present(row: FileRow): FileObject {
  return {
    id: row.id,
    object: 'file',
    bytes: Number(row.bytes),
    created_at: Math.floor(row.created_at / 1000),
    filename: row.filename,
    purpose: row.purpose,
    status: 'processed',
    expires_at: row.expires_at === null ? null : Math.floor(row.expires_at / 1000),
    status_details: null,
  };
}

export function fileNotFound(id: string): ApiError {
  return notFound(`No such File object: ${id}`, 'id', 'file_not_found');
}

export function uploadTooLarge(limit: number): ApiError {
  return new ApiError(413, `The file exceeds the upload limit of ${limit} bytes.`, { param: 'file', code: 'file_too_large' });
}

export function checkPurpose(purpose: string): asserts purpose is FilePurpose {
  if (!(FILE_PURPOSES as readonly string[]).includes(purpose)) {
    throw invalidRequest(`Invalid 'purpose': expected one of ${FILE_PURPOSES.join(', ')}, got '${purpose}'.`, 'purpose', 'invalid_value');
  }
}

function checkExpiry(seconds: number) {
  if (!Number.isInteger(seconds) || seconds < MIN_EXPIRY_S || seconds > MAX_EXPIRY_S) {
    throw invalidRequest(
      `Invalid 'expires_after.seconds': expected an integer between ${MIN_EXPIRY_S} and ${MAX_EXPIRY_S}, got '${seconds}'.`,
      'expires_after.seconds',
      'invalid_value',
    );
  }
}

function missingContent(id: string, err: unknown): ApiError {
  const why = (err as NodeJS.ErrnoException)?.code ?? String(err);
  return new ApiError(500, `The content of file ${id} could not be read (${why}).`, { type: 'server_error', code: 'file_content_unavailable' });
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `file-` and 24 base62 characters (about 143 random bits), the shape of OpenAI's ids. */
export function newFileId(): string {
  let out = 'file-';
  while (out.length < 29) {
    for (const b of randomBytes(32)) {
      // 248 = 4 × 62: rejecting the rest keeps every character equally likely.
      if (b < 248 && out.length < 29) out += BASE62[b % 62];
    }
  }
  return out;
}

/** The name a client gave, without directories or control characters (it is metadata, never a path). */
export function cleanFilename(name: string): string {
  // eslint-disable-next-line no-control-regex
  const base = name.split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return (base || 'upload').slice(0, 255);
}

/** The media type's essence (`type/subtype`, lower case), or octet-stream when it is not one. */
export function cleanContentType(value: string | undefined): string {
  const essence = (value ?? '').split(';')[0].trim().toLowerCase();
  return /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(essence) ? essence : 'application/octet-stream';
}

function contentTypeOf(row: FileRow): string {
  return row.content_type ?? 'application/octet-stream';
}
