/**
 * The Files API driven by the official `openai` SDK against the route handlers mounted on a bare node:http
 * server (the same dispatch shape as server.ts), with the real SQLite store and a temporary directory.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, type Kysely } from 'kysely';
import OpenAI, { toFile } from 'openai';
import { ApiError } from '../../src/api/errors.js';
import { FileService } from '../../src/files/file-service.js';
import { FileStore, type FileRow } from '../../src/files/file-store.js';
import { parseMultipart, multipartBoundary, type PartSink } from '../../src/files/multipart.js';
import { FILE_ROUTES } from '../../src/http/routes-files.js';
import { createRouter } from '../../src/http/router.js';
import { sendError } from '../../src/http/send.js';
import { filesMigrations } from '../../src/store/migrations-files.js';
import { openSqlite } from '../../src/store/open-sqlite.js';
import { InThreadWriter, type Writer } from '../../src/store/sqlite-writer.js';
import type BetterSqlite3 from 'better-sqlite3';
import { migrations, type Database } from '../../src/store/schema.js';

interface FilesServer {
  url: string;
  dir: string;
  db: Kysely<Database>;
  files: FileService;
  client(tenant?: string): OpenAI;
  close(): Promise<void>;
}

const route = createRouter(FILE_ROUTES);

async function startFilesServer(opts: { maxUploadBytes?: number; store?: (raw: BetterSqlite3.Database, writer: Writer) => FileStore } = {}): Promise<FilesServer> {
  const { db, raw } = await openSqlite(':memory:');
  const { error } = await new Migrator({ db, provider: { getMigrations: async () => ({ ...migrations, ...filesMigrations }) } }).migrateToLatest();
  if (error) throw error;
  const dir = await mkdtemp(join(tmpdir(), 'sb-files-'));
  const writer = new InThreadWriter(raw);
  const files = new FileService(opts.store ? opts.store(raw, writer) : new FileStore(raw, writer), { dir, maxUploadBytes: opts.maxUploadBytes });
  await files.init();
  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://files');
      const match = route(req.method ?? 'GET', req.url ?? '/');
      if (match.kind === 'method_not_allowed') throw new ApiError(405, 'method not allowed');
      if (match.kind !== 'route') throw new ApiError(404, `Unknown route ${url.pathname}`);
      const tenant = String(req.headers['x-tenant'] ?? 'default');
      await match.handler({ files }, { requestId: 'req_test', tenant, keyId: null }, match.params, url, req, res);
    } catch (err) {
      sendError(res, err);
    } finally {
      if (req.readableEnded === false) req.resume();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url, dir, db, files,
    client: (tenant = 'default') => new OpenAI({ apiKey: 'sk-test', baseURL: `${url}/v1`, maxRetries: 0, defaultHeaders: { 'x-tenant': tenant } }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await db.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function rejects(p: Promise<unknown>, status: number, param?: string | null, code?: string): Promise<any> {
  const err = await p.then(() => null, (e: unknown) => e);
  assert.ok(err instanceof OpenAI.APIError, `expected an APIError, got ${String(err)}`);
  assert.equal(err.status, status, err.message);
  if (param !== undefined) assert.equal(err.param, param);
  if (code !== undefined) assert.equal(err.code, code);
  return err;
}

async function waitFor(cond: () => Promise<boolean>, what: string) {
  for (let i = 0; i < 100; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(3000, 7), Buffer.from('\r\n--not-a-boundary\r\n%%EOF')]);

describe('Files API with the openai SDK', () => {
  let sb: FilesServer;
  let client: OpenAI;
  before(async () => { sb = await startFilesServer(); client = sb.client(); });
  after(async () => { await sb.close(); });

  test('create stores the bytes on disk, the row in the database, and returns a File object', async () => {
    const f = await client.files.create({ file: await toFile(PDF, 'a.pdf', { type: 'application/pdf' }), purpose: 'user_data' });
    assert.match(f.id, /^file-[0-9A-Za-z]{24}$/);
    assert.deepEqual({ ...f, created_at: 0 }, {
      id: f.id, object: 'file', bytes: PDF.length, created_at: 0, filename: 'a.pdf', purpose: 'user_data',
      status: 'processed', expires_at: null, status_details: null,
    });
    assert.ok(Math.abs(f.created_at - Date.now() / 1000) < 5);
    assert.deepEqual(await readFile(join(sb.dir, f.id)), PDF);
    assert.deepEqual(await readdir(sb.dir), [f.id], 'no temporary file is left behind');
    const row = await (sb.db as unknown as Kysely<{ files: FileRow }>).selectFrom('files').selectAll().where('id', '=', f.id).executeTakeFirstOrThrow();
    assert.equal(row.tenant, 'default');
    assert.equal(row.content_type, 'application/pdf');
    assert.equal(row.path, f.id);
    assert.equal(Number(row.bytes), PDF.length);
    assert.equal(row.expires_at, null);

    assert.deepEqual(await client.files.retrieve(f.id), f);
    const content = await client.files.content(f.id);
    assert.equal(content.headers.get('content-type'), 'application/pdf');
    assert.equal(content.headers.get('x-content-type-options'), 'nosniff');
    assert.deepEqual(Buffer.from(await content.arrayBuffer()), PDF);

    assert.deepEqual(await client.files.delete(f.id), { id: f.id, object: 'file', deleted: true });
    assert.deepEqual(await readdir(sb.dir), []);
    assert.equal(await sb.db.selectFrom('files').select('id').where('id', '=', f.id).executeTakeFirst(), undefined);
    const err = await rejects(client.files.retrieve(f.id), 404, 'id', 'file_not_found');
    assert.ok(err instanceof OpenAI.NotFoundError);
    assert.match(err.message, new RegExp(f.id));
    await rejects(client.files.delete(f.id), 404);
    await rejects(client.files.content(f.id), 404);
  });

  test('list: newest first by default, purpose filter, asc, limit with has_more and SDK auto-pagination', async () => {
    const made = [];
    for (const [i, purpose] of ['assistants', 'user_data', 'user_data', 'batch'].entries()) {
      made.push(await client.files.create({ file: await toFile(Buffer.from(`file ${i}`), `f${i}.txt`, { type: 'text/plain' }), purpose: purpose as 'user_data' }));
    }
    const ids = made.map((f) => f.id);
    const page = await client.files.list();
    assert.deepEqual(page.data.map((f) => f.id), [...ids].reverse());
    const raw = await (await fetch(`${sb.url}/v1/files?limit=2`)).json();
    assert.equal(raw.object, 'list');
    assert.equal(raw.has_more, true);
    assert.deepEqual([raw.first_id, raw.last_id], [ids[3], ids[2]]);

    const asc = await client.files.list({ order: 'asc' });
    assert.deepEqual(asc.data.map((f) => f.id), ids);
    const userData = await client.files.list({ purpose: 'user_data' });
    assert.deepEqual(userData.data.map((f) => f.id), [ids[2], ids[1]]);

    const all: string[] = [];
    for await (const f of client.files.list({ limit: 1 })) all.push(f.id);
    assert.deepEqual(all, [...ids].reverse());
    const after = await client.files.list({ order: 'asc', after: ids[1] });
    assert.deepEqual(after.data.map((f) => f.id), [ids[2], ids[3]]);

    await rejects(client.files.list({ limit: 0 }), 400, 'limit');
    await rejects(client.files.list({ limit: 10001 }), 400, 'limit');
    await rejects(client.files.list({ order: 'sideways' as 'asc' }), 400, 'order');
    for (const id of ids) await client.files.delete(id);
  });

  test('files are scoped by tenant', async () => {
    const f = await client.files.create({ file: await toFile(Buffer.from('secret'), 's.txt'), purpose: 'user_data' });
    const other = sb.client('other-tenant');
    await rejects(other.files.retrieve(f.id), 404);
    await rejects(other.files.content(f.id), 404);
    await rejects(other.files.delete(f.id), 404);
    assert.deepEqual((await other.files.list()).data, []);
    assert.equal((await client.files.retrieve(f.id)).id, f.id);
    await client.files.delete(f.id);
  });

  test('a bad purpose is a 400 on `purpose` and leaves nothing on disk', async () => {
    await rejects(client.files.create({ file: await toFile(PDF, 'a.pdf'), purpose: 'nonsense' as 'user_data' }), 400, 'purpose', 'invalid_value');
    // purpose before the file: refused before any byte is written
    const form = new FormData();
    form.append('purpose', 'fine-tuning');
    form.append('file', new Blob([PDF]), 'a.pdf');
    const res = await fetch(`${sb.url}/v1/files`, { method: 'POST', body: form });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error.param, 'purpose');
    assert.deepEqual(await readdir(sb.dir), []);
  });

  test('missing file, missing purpose, not multipart', async () => {
    const onlyPurpose = new FormData();
    onlyPurpose.append('purpose', 'user_data');
    let res = await fetch(`${sb.url}/v1/files`, { method: 'POST', body: onlyPurpose });
    assert.equal(res.status, 400);
    assert.deepEqual((await res.json()).error, { message: "Missing required parameter: 'file'.", type: 'invalid_request_error', param: 'file', code: 'missing_required_parameter' });

    const onlyFile = new FormData();
    onlyFile.append('file', new Blob(['x']), 'x.txt');
    res = await fetch(`${sb.url}/v1/files`, { method: 'POST', body: onlyFile });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error.param, 'purpose');

    res = await fetch(`${sb.url}/v1/files`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"purpose":"user_data"}' });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error.code, 'invalid_content_type');

    res = await fetch(`${sb.url}/v1/files`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=xyz' }, body: '--xyz\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nuser_data' });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error.code, 'invalid_multipart');
    assert.deepEqual(await readdir(sb.dir), []);
  });

  test('expires_after as the SDK sends it; out-of-range seconds refused; sweepExpired deletes', async () => {
    const f = await client.files.create({ file: await toFile(Buffer.from('tmp'), 't.txt'), purpose: 'batch', expires_after: { anchor: 'created_at', seconds: 3600 } });
    assert.equal(f.expires_at, f.created_at + 3600);
    await rejects(client.files.create({ file: await toFile(Buffer.from('tmp'), 't.txt'), purpose: 'batch', expires_after: { anchor: 'created_at', seconds: 10 } }),
      400, 'expires_after.seconds');
    assert.equal(await sb.files.sweepExpired(Date.now()), 0);
    assert.equal(await sb.files.sweepExpired(Date.now() + 3601_000), 1);
    await rejects(client.files.retrieve(f.id), 404);
    assert.deepEqual(await readdir(sb.dir), []);
  });

  test('filenames: unicode and quotes survive; directories are dropped', async () => {
    const f = await client.files.create({ file: await toFile(Buffer.from('x'), 'résumé "v2".txt'), purpose: 'user_data' });
    assert.equal(f.filename, 'résumé "v2".txt');
    const form = new FormData();
    form.append('purpose', 'user_data');
    form.append('file', new Blob(['y']), '../../etc/passwd');
    const g = await (await fetch(`${sb.url}/v1/files`, { method: 'POST', body: form })).json();
    assert.equal(g.filename, 'passwd');
    assert.deepEqual((await readdir(sb.dir)).sort(), [f.id, g.id].sort());
    const content = await fetch(`${sb.url}/v1/files/${f.id}/content`);
    assert.equal(content.headers.get('content-disposition'), `attachment; filename*=UTF-8''${encodeURIComponent('résumé "v2".txt')}`);
    await client.files.delete(f.id);
    await client.files.delete(g.id);
  });

  test('an upload cut off mid-body leaves no file behind', async () => {
    const boundary = 'cutcutcut';
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${sb.url}/v1/files`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': 100_000 } });
      req.on('error', () => resolve());
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
      req.write(Buffer.alloc(20_000, 1), () => setTimeout(() => { req.destroy(); resolve(); }, 50));
    });
    await waitFor(async () => (await readdir(sb.dir)).length === 0, 'the temporary file to be removed');
    assert.deepEqual((await client.files.list()).data, []);
  });
});

describe('size limit', () => {
  let sb: FilesServer;
  before(async () => { sb = await startFilesServer({ maxUploadBytes: 1024 }); });
  after(async () => { await sb.close(); });

  test('one byte over the limit is a 413 and nothing is kept', async () => {
    const ok = await sb.client().files.create({ file: await toFile(Buffer.alloc(1024, 1), 'fits.bin'), purpose: 'user_data' });
    assert.equal(ok.bytes, 1024);
    const err = await rejects(sb.client().files.create({ file: await toFile(Buffer.alloc(1025, 1), 'big.bin'), purpose: 'user_data' }), 413, 'file', 'file_too_large');
    assert.match(err.message, /1024 bytes/);
    assert.deepEqual(await readdir(sb.dir), [ok.id]);
  });

  test('a declared content-length far over the limit is refused before reading', async () => {
    const form = new FormData();
    form.append('purpose', 'user_data');
    form.append('file', new Blob([Buffer.alloc(3 * 1024 * 1024)]), 'huge.bin');
    const res = await fetch(`${sb.url}/v1/files`, { method: 'POST', body: form });
    assert.equal(res.status, 413);
    assert.equal((await res.json()).error.code, 'file_too_large');
  });

  test('a chunked body (no content-length) is cut off while streaming', async () => {
    const boundary = 'chunky';
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${sb.url}/v1/files`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="s.bin"\r\n\r\n`);
      let n = 0;
      const more = () => {
        if (n++ < 64 && !req.destroyed) req.write(Buffer.alloc(16 * 1024, 3), () => setImmediate(more));
        else req.end(`\r\n--${boundary}--\r\n`);
      };
      more();
    });
    assert.equal(status, 413);
    await waitFor(async () => (await readdir(sb.dir)).every((n) => !n.startsWith('.upload-')), 'temporary files to go');
  });
});

describe('a failing metadata insert', () => {
  let sb: FilesServer;
  before(async () => {
    sb = await startFilesServer({
      store: (raw, writer) => new (class extends FileStore { override async insert(): Promise<void> { throw new Error('disk I/O error'); } })(raw, writer),
    });
  });
  after(async () => { await sb.close(); });

  test('answers 500 and removes the bytes it had already renamed into place', async () => {
    await rejects(sb.client().files.create({ file: await toFile(PDF, 'a.pdf'), purpose: 'user_data' }), 500);
    assert.deepEqual(await readdir(sb.dir), []);
  });
});

describe('multipart parser', () => {
  async function encode(form: FormData): Promise<{ body: Buffer; boundary: string }> {
    const req = new Request('http://x/', { method: 'POST', body: form });
    return { body: Buffer.from(await req.arrayBuffer()), boundary: multipartBoundary(req.headers.get('content-type')!) };
  }

  async function parseInChunks(body: Buffer, boundary: string, size: (i: number) => number) {
    const files: Record<string, Buffer[]> = {};
    async function* chunks() {
      for (let i = 0, at = 0; at < body.length; i++) {
        const n = Math.max(1, size(i));
        yield body.subarray(at, at + n);
        at += n;
      }
    }
    const form = await parseMultipart(chunks(), boundary, { maxBodyBytes: 1 << 20 }, (info): PartSink => {
      files[`${info.name}:${info.filename}:${info.contentType}`] = [];
      return { write: async (c) => { files[`${info.name}:${info.filename}:${info.contentType}`].push(Buffer.from(c)); } };
    });
    return { fields: Object.fromEntries(form.fields), files: Object.fromEntries(Object.entries(files).map(([k, v]) => [k, Buffer.concat(v)])) };
  }

  test('same result however the body is split across chunks, boundary look-alikes included', async () => {
    const tricky = Buffer.concat([Buffer.from('\r\n--'), PDF, Buffer.from('\r\n-\r\n--'), Buffer.alloc(300, 0x2d)]);
    const form = new FormData();
    form.append('purpose', 'user_data');
    form.append('file', new Blob([tricky], { type: 'application/pdf' }), 'ä b.pdf');
    form.append('note', 'line1\r\nline2');
    form.append('empty', new Blob([]), 'empty.txt');
    const { body, boundary } = await encode(form);
    const expected = {
      fields: { purpose: 'user_data', note: 'line1\r\nline2' },
      files: { 'file:ä b.pdf:application/pdf': tricky, 'empty:empty.txt:application/octet-stream': Buffer.alloc(0) },
    };
    assert.deepEqual(await parseInChunks(body, boundary, () => body.length), expected);
    assert.deepEqual(await parseInChunks(body, boundary, () => 1), expected);
    let seed = 7;
    assert.deepEqual(await parseInChunks(body, boundary, () => (seed = (seed * 48271) % 2147483647) % 97), expected);
  });

  test('a text field over its cap and a body over the limit are refused while reading', async () => {
    const form = new FormData();
    form.append('purpose', 'x'.repeat(100));
    const { body, boundary } = await encode(form);
    await assert.rejects(parseMultipart([body], boundary, { maxBodyBytes: 1 << 20, maxFieldBytes: 50 }, () => null), (e: ApiError) => e.status === 400 && e.param === 'purpose');
    await assert.rejects(parseMultipart([body.subarray(0, 50), body.subarray(50)], boundary, { maxBodyBytes: 60 }, () => null), (e: ApiError) => e.status === 413);
  });
});
