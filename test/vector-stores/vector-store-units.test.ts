/** The pure parts of vector stores: filters, chunk windows, text extraction, parameter checks, the write ops. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { matchesFilter, parseFilter } from '../../src/vector-stores/attribute-filter.js';
import { chunkText, chunkWindows } from '../../src/vector-stores/chunk-text.js';
import { ExtractionError, extractText, kindOf } from '../../src/vector-stores/extract-text.js';
import { parseBatch, parseChunking, parseSearch } from '../../src/vector-stores/vector-store-params.js';
import { VectorStoreWrites } from '../../src/vector-stores/vector-store-writes.js';
import { keywords } from '../../src/vector-stores/search-engine.js';
import { migrations } from '../../src/store/schema.js';
import { makePdf } from './vs-fixtures.js';

test('filters: missing attributes match only ne / nin; ordering compares like with like', () => {
  const attrs = { n: 5, s: 'b', t: true };
  const f = (x: unknown) => matchesFilter(parseFilter(x), attrs);
  assert.equal(f({ type: 'ne', key: 'missing', value: 1 }), true);
  assert.equal(f({ type: 'nin', key: 'missing', value: [1] }), true);
  for (const type of ['eq', 'gt', 'gte', 'lt', 'lte']) assert.equal(f({ type, key: 'missing', value: 1 }), false, type);
  assert.equal(f({ type: 'in', key: 'missing', value: [1] }), false);
  assert.equal(f({ type: 'gt', key: 'n', value: '4' }), false, 'a number is not compared with a string');
  assert.equal(f({ type: 'gt', key: 's', value: 'a' }), true);
  assert.equal(f({ type: 'lte', key: 't', value: true }), false, 'booleans have no order');
  assert.equal(f({ type: 'and', filters: [] }), true);
  assert.equal(f({ type: 'or', filters: [] }), false);
  assert.equal(matchesFilter(parseFilter({ type: 'eq', key: 'n', value: 5 }), null), false);
});

test('filters: malformed ones name their place', () => {
  const param = (x: unknown) => {
    try {
      parseFilter(x);
    } catch (e: any) {
      return e.param;
    }
    return null;
  };
  assert.equal(param({ type: 'eq', key: 'a' }), 'filters.value');
  assert.equal(param({ type: 'eq', value: 1 }), 'filters.key');
  assert.equal(param({ type: 'or', filters: {} }), 'filters.filters');
  assert.equal(param({ type: 'or', filters: [{ type: 'eq', key: 'a', value: [1] }] }), 'filters.filters[0].value');
  assert.equal(param({ type: 'eq', key: 'a', value: 1, extra: 1 }), 'filters.extra');
  assert.equal(param('eq'), 'filters');
});

test('chunk windows: sizes, overlaps and the last window', () => {
  assert.deepEqual(chunkWindows(50, { max_chunk_size_tokens: 100, chunk_overlap_tokens: 50 }), [[0, 50]]);
  assert.deepEqual(chunkWindows(100, { max_chunk_size_tokens: 100, chunk_overlap_tokens: 50 }), [[0, 100]]);
  assert.deepEqual(chunkWindows(101, { max_chunk_size_tokens: 100, chunk_overlap_tokens: 50 }), [[0, 100], [50, 101]]);
  assert.deepEqual(chunkWindows(250, { max_chunk_size_tokens: 100, chunk_overlap_tokens: 0 }), [[0, 100], [100, 200], [200, 250]]);
});

test('chunkText keeps every word of a long text, across its tokenization slices', async () => {
  const words = Array.from({ length: 30_000 }, (_, i) => `word${i}`);
  const chunks = await chunkText(words.join(' '), { max_chunk_size_tokens: 4096, chunk_overlap_tokens: 0 });
  const joined = chunks.join(' ');
  for (const i of [0, 9_999, 17_000, 29_999]) assert.ok(joined.includes(`word${i} `) || joined.endsWith(`word${i}`), `word${i}`);
});

test('extraction: kinds by extension then media type; invalid UTF-8, binaries and empty files are refused', async () => {
  assert.equal(kindOf('a.PY', 'application/octet-stream'), 'text');
  assert.equal(kindOf('notes', 'text/markdown'), 'text');
  assert.equal(kindOf('x.bin', 'application/json'), 'json');
  assert.equal(kindOf('x.png', 'image/png'), null);
  assert.equal(kindOf('page', 'text/html'), 'html');
  await assert.rejects(extractText(Buffer.from([0xff, 0xfe, 0x00, 0x41]), 'bad.txt', 'text/plain'), (e) => e instanceof ExtractionError && e.code === 'unsupported_file');
  await assert.rejects(extractText(Buffer.from('   \n'), 'empty.txt', 'text/plain'), (e) => e instanceof ExtractionError && e.code === 'invalid_file');
  await assert.rejects(extractText(Buffer.from('%PDF-1.4 broken'), 'broken.pdf', 'application/pdf'), (e) => e instanceof ExtractionError && e.code === 'invalid_file');
  assert.equal(await extractText(makePdf(['Hello (PDF)', 'second line']), 'x.pdf', 'application/pdf'), 'Hello (PDF)\nsecond line');
  const html = await extractText(Buffer.from('<p>One</p><p>Two</p><script>evil()</script>'), 'x.html', 'text/html');
  assert.equal(html, 'One\nTwo');
});

test('parameters: chunking bounds, batch forms, search defaults', () => {
  assert.deepEqual(parseChunking(undefined), { max_chunk_size_tokens: 800, chunk_overlap_tokens: 400 });
  assert.deepEqual(parseChunking({ type: 'static', static: { max_chunk_size_tokens: 4096, chunk_overlap_tokens: 2048 } }), { max_chunk_size_tokens: 4096, chunk_overlap_tokens: 2048 });
  assert.throws(() => parseChunking({ type: 'static', static: { max_chunk_size_tokens: 4097, chunk_overlap_tokens: 0 } }), { param: 'chunking_strategy.static.max_chunk_size_tokens' });
  assert.throws(() => parseChunking({ type: 'static' }), { param: 'chunking_strategy.static' });
  assert.throws(() => parseBatch({ files: [{ file_id: 'f' }], attributes: { a: 1 } }), { param: 'attributes' });
  assert.throws(() => parseBatch({}), { param: 'file_ids' });
  assert.deepEqual(parseBatch({ file_ids: ['a', 'b'], attributes: { x: 1 } }).map((f) => [f.file_id, f.attributes, f.param]), [['a', { x: 1 }, 'file_ids[0]'], ['b', { x: 1 }, 'file_ids[1]']]);
  const s = parseSearch({ query: ['a', 'b'] });
  assert.deepEqual([s.queries, s.max_num_results, s.score_threshold, s.filters, s.rewrite_query], [['a', 'b'], 10, 0, null, false]);
  assert.throws(() => parseSearch({ query: ['a', 3] }), { param: 'query[1]' });
  assert.deepEqual(keywords('What is the refund policy, the REFUND?'), ['refund', 'policy']);
  assert.deepEqual(keywords('the of'), ['the', 'of']);
});

test('write ops: a completing attempt that was superseded writes nothing; embeddings arrive as Uint8Array from the writer thread', async () => {
  const raw = new BetterSqlite3(':memory:');
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: raw }) });
  const { error } = await new Migrator({ db, provider: { getMigrations: async () => migrations } }).migrateToLatest();
  assert.equal(error, undefined);
  const w = new VectorStoreWrites(raw);
  const now = Date.now();
  w.apply({ op: 'vs.create_store', row: { id: 'vs_1', tenant: 't', name: '', created_at: now, last_active_at: now, metadata: null, expires_after_days: null, expires_at: null }, files: [] });
  const file = (ingest: string) => ({
    vector_store_id: 'vs_1', file_id: 'file-1', tenant: 't', batch_id: null, filename: 'a.txt', created_at: now, status: 'in_progress' as const,
    last_error: null, attributes: null, chunking: '{}', usage_bytes: 0, ingest_id: ingest,
  });
  assert.equal(w.apply({ op: 'vs.attach_files', tenant: 'other', storeId: 'vs_1', rows: [file('a')], batch: null }).changed, false, 'another tenant\'s store');
  w.apply({ op: 'vs.attach_files', tenant: 't', storeId: 'vs_1', rows: [file('a')], batch: null });
  w.apply({ op: 'vs.attach_files', tenant: 't', storeId: 'vs_1', rows: [file('b')], batch: null });
  const vec = new Uint8Array(new Float32Array([1, 0]).buffer);
  const complete = (ingestId: string) => w.apply({ op: 'vs.complete_file', storeId: 'vs_1', fileId: 'file-1', ingestId, chunks: [{ text: 'hello', embedding: vec }], content: 'hello', usage_bytes: 13 });
  assert.equal(complete('a').changed, false);
  assert.equal(raw.prepare('SELECT count(*) FROM vector_chunks').pluck().get(), 0);
  assert.equal(complete('b').changed, true);
  const blob = raw.prepare('SELECT embedding FROM vector_chunks').pluck().get() as Buffer;
  assert.deepEqual([...new Float32Array(new Uint8Array(blob).buffer)], [1, 0]);
  assert.equal(raw.prepare("SELECT count(*) FROM vector_chunks_fts WHERE vector_chunks_fts MATCH 'hello'").pluck().get(), 1);
  w.apply({ op: 'vs.delete_store', tenant: 't', id: 'vs_1' });
  assert.equal(raw.prepare("SELECT count(*) FROM vector_chunks_fts WHERE vector_chunks_fts MATCH 'hello'").pluck().get(), 0);
  await db.destroy();
});
