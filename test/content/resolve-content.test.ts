/**
 * resolveContent with the real FileService (SQLite + temp dir) and the real SafeFetcher against a loopback
 * server: file ids and (when asked) remote URLs become data URLs, the input is never mutated, untouched items
 * are shared, and each file / URL is read once per call.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, type Kysely } from 'kysely';
import { ApiError } from '../../src/api/errors.js';
import type { Item } from '../../src/api/items.js';
import { mediaType, resolveContent, type ResolveContentOptions } from '../../src/content/resolve-content.js';
import { SafeFetcher } from '../../src/content/safe-fetch.js';
import { FileService } from '../../src/files/file-service.js';
import { FileStore } from '../../src/files/file-store.js';
import { filesMigrations } from '../../src/store/migrations-files.js';
import { openSqlite } from '../../src/store/open-sqlite.js';
import { InThreadWriter } from '../../src/store/sqlite-writer.js';
import type { RequestContext } from '../../src/store/request-context.js';
import { migrations, type Database } from '../../src/store/schema.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex');
const PDF = Buffer.from('%PDF-1.4\nhello\n%%EOF');
const ctx: RequestContext = { requestId: 'req_1', tenant: 'acme', keyId: null };

let db: Kysely<Database>;
let dir: string;
let files: FileService;
let server: Server;
let base: string;
const served: string[] = [];
let pngId: string;
let pdfId: string;
let octetPngId: string;

before(async () => {
  const opened = await openSqlite(':memory:');
  db = opened.db;
  const { error } = await new Migrator({ db, provider: { getMigrations: async () => ({ ...migrations, ...filesMigrations }) } }).migrateToLatest();
  if (error) throw error;
  dir = await mkdtemp(join(tmpdir(), 'sb-resolve-'));
  files = new FileService(new FileStore(opened.raw, new InThreadWriter(opened.raw)), { dir });
  await files.init();
  pngId = (await files.create(ctx, PNG, { filename: 'dot.png', contentType: 'image/png', purpose: 'vision' })).id;
  pdfId = (await files.create(ctx, PDF, { filename: 'report.pdf', contentType: 'application/pdf', purpose: 'user_data' })).id;
  octetPngId = (await files.create(ctx, PNG, { filename: 'noext', contentType: 'application/octet-stream', purpose: 'user_data' })).id;

  server = createServer((req, res) => {
    served.push(req.url ?? '');
    if (req.url === '/cat.png') {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(PNG);
    } else if (req.url === '/docs/Quarterly%20Report.pdf') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(PDF);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await db.destroy();
  await rm(dir, { recursive: true, force: true });
});

function opts(over: Partial<ResolveContentOptions> = {}): ResolveContentOptions {
  return { files, ctx, fetcher: new SafeFetcher({ allowHosts: ['127.0.0.1'], timeoutMs: 2000 }), fetchRemote: { image: false, file: false }, ...over };
}

const b64 = (mime: string, buf: Buffer) => `data:${mime};base64,${buf.toString('base64')}`;

describe('resolveContent', () => {
  test('nothing to resolve: the same array comes back, nothing read or fetched', async () => {
    const items: Item[] = [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }, { type: 'input_image', image_url: `${base}/cat.png`, detail: 'low' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'yo', annotations: [] }] },
      { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' },
      { type: 'function_call_output', call_id: 'c1', output: 'plain string' },
      { type: 'message', role: 'user', content: [{ type: 'input_file', file_data: b64('application/pdf', PDF), filename: 'x.pdf' }] },
    ];
    const before = structuredClone(items);
    const n = served.length;
    let reads = 0;
    const out = await resolveContent(items, opts({ files: { readContent: async (...a) => { reads++; return files.readContent(...a); } } }));
    assert.equal(out, items);
    assert.deepEqual(items, before);
    assert.equal(reads, 0);
    assert.equal(served.length, n);
  });

  test('file ids become data URLs; untouched items are shared; the input is not mutated', async () => {
    const items: Item[] = [
      { type: 'message', role: 'system', content: [{ type: 'input_text', text: 'sys' }] },
      {
        type: 'message', id: 'msg_1', role: 'user', content: [
          { type: 'input_text', text: 'look' },
          { type: 'input_image', file_id: pngId, detail: 'high' },
          { type: 'input_file', file_id: pdfId },
          { type: 'input_file', file_id: pdfId, filename: 'renamed.pdf' },
        ],
      },
      { type: 'function_call_output', call_id: 'c9', output: [{ type: 'input_image', file_id: octetPngId }, { type: 'input_text', text: 'shot' }] },
    ];
    const before = structuredClone(items);
    let reads = 0;
    const out = await resolveContent(items, opts({ files: { readContent: async (...a) => { reads++; return files.readContent(...a); } } }));
    assert.deepEqual(items, before);
    assert.notEqual(out, items);
    assert.equal(out[0], items[0]);
    assert.equal((out[1] as any).content[0], (items[1] as any).content[0]);
    assert.equal(reads, 3, 'each file read once, however often it is referenced');
    assert.deepEqual(out[1], {
      type: 'message', id: 'msg_1', role: 'user', content: [
        { type: 'input_text', text: 'look' },
        { type: 'input_image', image_url: b64('image/png', PNG), detail: 'high' },
        { type: 'input_file', file_data: b64('application/pdf', PDF), filename: 'report.pdf' },
        { type: 'input_file', file_data: b64('application/pdf', PDF), filename: 'renamed.pdf' },
      ],
    });
    // stored as octet-stream: the bytes say PNG
    assert.deepEqual(out[2], { type: 'function_call_output', call_id: 'c9', output: [{ type: 'input_image', image_url: b64('image/png', PNG) }, { type: 'input_text', text: 'shot' }] });
  });

  test('an unknown file id (or another tenant\'s) is a 400 file_not_found naming the id', async () => {
    for (const [id, c] of [['file-doesnotexist000000000', ctx], [pngId, { ...ctx, tenant: 'someone-else' }]] as const) {
      const err = await resolveContent([{ type: 'message', role: 'user', content: [{ type: 'input_image', file_id: id }] }], opts({ ctx: c }))
        .then(() => null, (e: unknown) => e);
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 400);
      assert.equal(err.code, 'file_not_found');
      assert.equal(err.param, 'input');
      assert.match(err.message, new RegExp(`'${id}'.*input_image\\.file_id`));
    }
  });

  test('keepUnknownFileIds leaves ids we do not know for an upstream that has its own', async () => {
    const items: Item[] = [{ type: 'message', role: 'user', content: [
      { type: 'input_file', file_id: 'file-UpstreamOwnedId' }, { type: 'input_image', file_id: pngId },
    ] }];
    const out = await resolveContent(items, opts({ keepUnknownFileIds: true }));
    assert.deepEqual((out[0] as any).content, [{ type: 'input_file', file_id: 'file-UpstreamOwnedId' }, { type: 'input_image', image_url: b64('image/png', PNG) }]);
  });

  test('remote URLs are fetched and inlined only when asked, per kind', async () => {
    const items: Item[] = [{
      type: 'message', role: 'user', content: [
        { type: 'input_image', image_url: `${base}/cat.png`, detail: 'auto' },
        { type: 'input_file', file_url: `${base}/docs/Quarterly%20Report.pdf` },
        { type: 'input_image', image_url: b64('image/png', PNG) },
      ],
    }];
    const before = structuredClone(items);

    let n = served.length;
    const imagesOnly = await resolveContent(items, opts({ fetchRemote: { image: true, file: false } }));
    assert.deepEqual(served.slice(n), ['/cat.png']);
    assert.deepEqual((imagesOnly[0] as any).content, [
      { type: 'input_image', image_url: b64('image/png', PNG), detail: 'auto' },
      { type: 'input_file', file_url: `${base}/docs/Quarterly%20Report.pdf` },
      { type: 'input_image', image_url: b64('image/png', PNG) },
    ]);

    n = served.length;
    const both = await resolveContent(items, opts({ fetchRemote: { image: true, file: true } }));
    assert.deepEqual(served.slice(n).sort(), ['/cat.png', '/docs/Quarterly%20Report.pdf']);
    // served as octet-stream: the bytes say PDF; the name comes from the URL
    assert.deepEqual((both[0] as any).content[1], { type: 'input_file', file_data: b64('application/pdf', PDF), filename: 'Quarterly Report.pdf' });
    assert.deepEqual(items, before);
  });

  test('a refused fetch surfaces the fetcher\'s code with the field it came from', async () => {
    const strict = new SafeFetcher({ timeoutMs: 2000 }); // loopback not allowed
    const n = served.length;
    const err = await resolveContent([{ type: 'message', role: 'user', content: [{ type: 'input_image', image_url: `${base}/cat.png` }] }],
      opts({ fetcher: strict, fetchRemote: { image: true, file: true } })).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 'url_not_allowed');
    assert.equal(err.param, 'input');
    assert.match(err.message, /^input_image\.image_url: Refusing to fetch/);
    assert.equal(served.length, n);

    const missing = await resolveContent([{ type: 'message', role: 'user', content: [{ type: 'input_file', file_url: `${base}/nope.pdf` }] }],
      opts({ fetchRemote: { image: false, file: true } })).then(() => null, (e: unknown) => e);
    assert.ok(missing instanceof ApiError);
    assert.equal(missing.code, 'url_fetch_failed');
    assert.match(missing.message, /^input_file\.file_url: .*HTTP 404/);
  });

  test('media type: declared wins unless generic, then signature, then extension', () => {
    assert.equal(mediaType('image/jpeg; q=1', PNG, 'a.png'), 'image/jpeg');
    assert.equal(mediaType('application/octet-stream', PNG, 'a.txt'), 'image/png');
    assert.equal(mediaType('', Buffer.from('plain'), 'notes.md'), 'text/markdown');
    assert.equal(mediaType('', Buffer.from('plain'), 'blob'), 'application/octet-stream');
  });
});
