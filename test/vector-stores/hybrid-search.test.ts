/**
 * Hybrid ranking with an embeddings provider (a fake OpenAI-compatible `/v1/embeddings` on loopback whose
 * vectors know that "automobile" means "car"), against the same files searched lexically; plus what needs an
 * ingestion that can be held: batch cancel and restart recovery.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { startFakeEmbeddings, type FakeEmbeddings } from '../fakes/fake-embeddings.js';
import { startSwitchboard, type TestServer } from '../helpers/switchboard.js';
import { upload } from './vs-fixtures.js';

let emb: FakeEmbeddings;
let hybrid: TestServer;
let lexical: TestServer;

const DOCS = {
  'cars.txt': 'Car care: change the engine oil of your car regularly and check the tyres before a long drive.',
  'bakery.txt': 'Bread baking: knead the dough, let it rise overnight, then bake it in a hot oven.',
  'garden.txt': 'Garden upkeep: prune the roses in spring and water the lawn in the evening.',
};

before(async () => {
  emb = await startFakeEmbeddings();
  hybrid = await startSwitchboard({}, {}, {
    vectorStores: { embeddings: { base_url: emb.baseUrl, api_key: 'emb-key', model: 'fake-embed', dimensions: 128, batch_size: 2 } },
  });
  lexical = await startSwitchboard({});
});
after(async () => {
  await hybrid.close();
  await lexical.close();
  await emb.close();
});

async function storeWithDocs(sb: TestServer, chunking?: { max: number }) {
  const c = sb.client();
  const ids: Record<string, string> = {};
  for (const [name, text] of Object.entries(DOCS)) ids[name] = await upload(c, name, text);
  const vs = await c.vectorStores.create({
    file_ids: Object.values(ids),
    ...(chunking ? { chunking_strategy: { type: 'static' as const, static: { max_chunk_size_tokens: chunking.max, chunk_overlap_tokens: 0 } } } : {}),
  });
  await sb.vectorStores.idle();
  return { vs: vs.id, ids };
}

test('a synonym: lexical search finds nothing for "automobile", hybrid ranks the text about cars first', async () => {
  const lex = await storeWithDocs(lexical);
  assert.equal((await lexical.client().vectorStores.search(lex.vs, { query: 'automobile' })).data.length, 0);

  const hyb = await storeWithDocs(hybrid);
  const page = await hybrid.client().vectorStores.search(hyb.vs, { query: 'automobile' });
  assert.equal(page.data[0].file_id, hyb.ids['cars.txt']);
  assert.equal(page.data[0].filename, 'cars.txt');
  for (const d of page.data) assert.ok(d.score > 0 && d.score <= 1, String(d.score));
  // Texts that share nothing with the query score nothing and are left out.
  assert.ok(!page.data.some((d) => d.file_id === hyb.ids['bakery.txt']));

  // An exact word still counts: both halves of the score agree on the bakery.
  const dough = await hybrid.client().vectorStores.search(hyb.vs, { query: 'dough' });
  assert.equal(dough.data[0].file_id, hyb.ids['bakery.txt']);

  // The same query, lexical vs hybrid, when both match something: hybrid puts the cars text above the garden
  // that only shares the word "upkeep" with it.
  const q = 'automobile vehicle upkeep';
  const lexPage = await lexical.client().vectorStores.search(lex.vs, { query: q });
  assert.deepEqual(lexPage.data.map((d) => d.filename), ['garden.txt']);
  const hybPage = await hybrid.client().vectorStores.search(hyb.vs, { query: q });
  assert.equal(hybPage.data[0].filename, 'cars.txt');
});

test('ingestion embeds chunks in batches with the configured model, key and dimensions', async () => {
  const before = emb.requests.length;
  await storeWithDocs(hybrid, { max: 100 });
  const sent = emb.requests.slice(before);
  assert.ok(sent.length >= 3);
  for (const r of sent) {
    assert.equal(r.auth, 'Bearer emb-key');
    assert.equal(r.body.model, 'fake-embed');
    assert.equal(r.body.dimensions, 128);
    assert.ok(r.body.input.length >= 1 && r.body.input.length <= 2);
  }
  const rows = await sql<{ n: number; bytes: number }>`SELECT count(*) AS n, min(length(embedding)) AS bytes FROM vector_chunks WHERE embedding IS NOT NULL`.execute(hybrid.db);
  assert.ok(Number(rows.rows[0].n) >= 3);
  assert.equal(Number(rows.rows[0].bytes), 128 * 4);
});

test('an embeddings failure at ingestion fails the file (server_error); at query time the search falls back to BM25', async () => {
  const c = hybrid.client();
  const { vs, ids } = await storeWithDocs(hybrid);
  const fileId = await upload(c, 'more.txt', 'Sourdough starter needs feeding daily.');
  emb.failNext(1);
  await c.vectorStores.files.create(vs, { file_id: fileId });
  await hybrid.vectorStores.idle();
  const f = await c.vectorStores.files.retrieve(fileId, { vector_store_id: vs });
  assert.equal(f.status, 'failed');
  assert.equal(f.last_error?.code, 'server_error');

  emb.failNext(1);
  const page = await c.vectorStores.search(vs, { query: 'dough' });
  assert.equal(page.data[0].file_id, ids['bakery.txt']);
});

test('cancelling a batch cancels its files still in progress; nothing of them becomes searchable', async () => {
  const c = hybrid.client();
  const vs = await c.vectorStores.create({ name: 'cancel' });
  const files = [];
  for (let i = 0; i < 3; i++) files.push(await upload(c, `c${i}.txt`, `Capybara note number ${i}.`));
  emb.hold();
  try {
    const batch = await c.vectorStores.fileBatches.create(vs.id, { file_ids: files });
    assert.equal(batch.status, 'in_progress');
    assert.equal(batch.file_counts.in_progress, 3);
    const cancelled = await c.vectorStores.fileBatches.cancel(batch.id, { vector_store_id: vs.id });
    assert.equal(cancelled.status, 'cancelled');
    assert.deepEqual(cancelled.file_counts, { in_progress: 0, completed: 0, failed: 0, cancelled: 3, total: 3 });
  } finally {
    emb.release();
  }
  await hybrid.vectorStores.idle();
  const store = await c.vectorStores.retrieve(vs.id);
  assert.equal(store.status, 'completed');
  assert.equal(store.file_counts.cancelled, 3);
  assert.equal((await c.vectorStores.search(vs.id, { query: 'capybara' })).data.length, 0);
  const listed = await c.vectorStores.files.list(vs.id, { filter: 'cancelled' });
  assert.equal(listed.data.length, 3);
});

test('files still in progress when the server stops are ingested at the next start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-vs-restart-'));
  const opts = { dbPath: join(dir, 'switchboard.db'), filesDir: join(dir, 'files'), vectorStores: { embeddings: { base_url: emb.baseUrl, model: 'fake-embed' } } };
  const first = await startSwitchboard({}, {}, opts);
  const fileText = 'Axolotls regrow their limbs.';
  const fileId = await upload(first.client(), 'axolotl.txt', fileText);
  emb.hold();
  let vsId: string;
  try {
    vsId = (await first.client().vectorStores.create({ file_ids: [fileId] })).id;
    await first.close();
    // Nothing was written for it: it is still in progress in the database.
    const side = new BetterSqlite3(opts.dbPath, { readonly: true });
    assert.equal(side.prepare('SELECT status FROM vector_store_files WHERE file_id = ?').pluck().get(fileId), 'in_progress');
    side.close();
  } finally {
    emb.release();
  }
  const second = await startSwitchboard({}, {}, opts);
  try {
    await second.vectorStores.idle();
    const f = await second.client().vectorStores.files.retrieve(fileId, { vector_store_id: vsId! });
    assert.equal(f.status, 'completed');
    const page = await second.client().vectorStores.search(vsId!, { query: 'axolotl limbs' });
    assert.equal(page.data[0].content[0].text, fileText);
  } finally {
    await second.close();
  }
});
