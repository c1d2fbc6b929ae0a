/**
 * The Vector Stores API end to end: the `openai` SDK against a real Switchboard (real SQLite file, real HTTP),
 * lexical search only (no embeddings configured).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type OpenAI from 'openai';
import { startSwitchboard, type TestServer } from '../helpers/switchboard.js';
import { errorOf, makePdf, upload } from './vs-fixtures.js';

let sb: TestServer;
let client: OpenAI;

before(async () => {
  sb = await startSwitchboard({});
  client = sb.client();
});
after(async () => {
  await sb.close();
});

const TEXT = 'The return policy allows a refund within thirty days of purchase, with the receipt.';
const MARKDOWN = '# Onboarding\n\n- Laptops are issued on the **first day**.\n- Badges open the *north entrance* only.';
const HTML = '<html><head><title>Cafeteria</title><style>.menu{color:red}</style><script>var secretSauce = 1;</script></head>' +
  '<body><h1>Lunch menu</h1><p>Lasagna is served on Thursdays.</p></body></html>';
const JSON_DOC = JSON.stringify({ service: 'billing', oncall: { primary: 'Priya', escalation: 'pager rotation' } }, null, 2);
const CODE = 'def fibonacci(n):\n    """Return the nth Fibonacci number."""\n    return n if n < 2 else fibonacci(n - 1) + fibonacci(n - 2)\n';
const PDF_LINES = ['Quarterly report', 'Revenue from the zeppelin division grew nine percent.'];

async function countChunks(storeId: string, fileId?: string): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*) AS n FROM vector_chunks WHERE vector_store_id = ${storeId} AND (${fileId ?? null} IS NULL OR file_id = ${fileId ?? null})`.execute(sb.db);
  return Number(r.rows[0].n);
}

test('a store built from text, Markdown, HTML, JSON, code and PDF files completes; an image fails as unsupported_file', async () => {
  const ids = {
    text: await upload(client, 'policy.txt', TEXT, 'text/plain'),
    markdown: await upload(client, 'onboarding.md', MARKDOWN),
    html: await upload(client, 'cafeteria.html', HTML, 'text/html'),
    json: await upload(client, 'oncall.json', JSON_DOC, 'application/json'),
    code: await upload(client, 'fib.py', CODE),
    pdf: await upload(client, 'report.pdf', makePdf(PDF_LINES), 'application/pdf'),
    png: await upload(client, 'logo.png', Buffer.from('89504e470d0a1a0a0000000d4948445200', 'hex'), 'image/png'),
  };
  const created = await client.vectorStores.create({ name: 'handbook', file_ids: Object.values(ids), metadata: { team: 'ops' } });
  assert.equal(created.object, 'vector_store');
  assert.match(created.id, /^vs_/);
  assert.equal(created.name, 'handbook');
  assert.deepEqual(created.metadata, { team: 'ops' });
  assert.equal(created.file_counts.total, 7);

  // The SDK's own poller (it honours openai-poll-after-ms, so it does not sleep 5 s between tries).
  const polled = await client.vectorStores.files.poll(created.id, ids.pdf);
  assert.equal(polled.status, 'completed');
  await sb.vectorStores.idle();

  const vs = await client.vectorStores.retrieve(created.id);
  assert.equal(vs.status, 'completed');
  assert.deepEqual(vs.file_counts, { in_progress: 0, completed: 6, failed: 1, cancelled: 0, total: 7 });
  assert.ok(vs.usage_bytes > 0);

  const png = await client.vectorStores.files.retrieve(ids.png, { vector_store_id: created.id });
  assert.equal(png.status, 'failed');
  assert.equal(png.last_error?.code, 'unsupported_file');
  assert.equal(png.usage_bytes, 0);

  const failed = await client.vectorStores.files.list(created.id, { filter: 'failed' });
  assert.deepEqual(failed.data.map((f) => f.id), [ids.png]);
  const completed = await client.vectorStores.files.list(created.id, { filter: 'completed' });
  assert.equal(completed.data.length, 6);
  assert.deepEqual(completed.data[0].chunking_strategy, { type: 'static', static: { max_chunk_size_tokens: 800, chunk_overlap_tokens: 400 } });

  // Each kind's text was extracted: the word only that file holds finds it first.
  const cases: [string, string][] = [
    ['refund receipt', ids.text], ['north entrance badges', ids.markdown], ['lasagna', ids.html],
    ['Priya escalation', ids.json], ['fibonacci', ids.code], ['zeppelin revenue', ids.pdf],
  ];
  for (const [query, expected] of cases) {
    const page = await client.vectorStores.search(created.id, { query });
    assert.equal(page.data[0]?.file_id, expected, `query ${query}`);
    assert.ok(page.data[0].score > 0 && page.data[0].score <= 1);
  }
  // The HTML's script and style are not text.
  assert.equal((await client.vectorStores.search(created.id, { query: 'secretSauce' })).data.length, 0);

  const content = await client.vectorStores.files.content(ids.pdf, { vector_store_id: created.id });
  assert.match(content.data[0].text!, /zeppelin division grew nine percent/);
  const html = await client.vectorStores.files.content(ids.html, { vector_store_id: created.id });
  assert.match(html.data[0].text!, /Lasagna is served on Thursdays\./);
  assert.doesNotMatch(html.data[0].text!, /secretSauce|color:red/);
});

test('search ranks the chunk that holds the answer first, with its file, filename and score', async () => {
  const sections = [
    'Section one covers the history of the company, founded by two engineers in a garage, and its early products. '.repeat(4),
    'Section two explains the vacation policy: employees accrue twenty five days of paid leave per year. '.repeat(4),
    'Section three lists the parking rules: the underground garage closes at midnight on weekdays. '.repeat(4),
  ];
  const fileId = await upload(client, 'handbook.txt', sections.join('\n\n'));
  const vs = await client.vectorStores.create({
    name: 'ranking', file_ids: [fileId], chunking_strategy: { type: 'static', static: { max_chunk_size_tokens: 100, chunk_overlap_tokens: 0 } },
  });
  await sb.vectorStores.idle();
  assert.ok((await countChunks(vs.id)) >= 3);
  const page = await client.vectorStores.search(vs.id, { query: 'How many days of paid vacation leave do employees get?', max_num_results: 3 });
  assert.equal(page.data[0].file_id, fileId);
  assert.equal(page.data[0].filename, 'handbook.txt');
  assert.match(page.data[0].content[0].text, /vacation policy/);
  assert.equal(page.data[0].content[0].type, 'text');
  for (let i = 1; i < page.data.length; i++) assert.ok(page.data[i - 1].score >= page.data[i].score);
  assert.ok(page.data.length <= 3);
  const raw = await (await fetch(`${sb.url}/v1/vector_stores/${vs.id}/search`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: ['garage midnight', 'parking'] }),
  })).json();
  assert.equal(raw.object, 'vector_store.search_results.page');
  assert.deepEqual(raw.search_query, ['garage midnight', 'parking']);
  assert.equal(raw.has_more, false);
  assert.equal(raw.next_page, null);
  assert.match(raw.data[0].content[0].text, /parking rules/);
});

test('score_threshold keeps only results scoring at least that much; scores are between 0 and 1', async () => {
  const strong = await upload(client, 'strong.txt', 'Quokka quokka quokka: the quokka lives on Rottnest Island. Quokka facts.');
  const weak = await upload(client, 'weak.txt', 'Many animals live in Australia, the quokka among them, and kangaroos, koalas, wombats, echidnas and emus.');
  const other = await upload(client, 'other.txt', 'Nothing about marsupials here at all.');
  const vs = await client.vectorStores.create({ file_ids: [strong, weak, other] });
  await sb.vectorStores.idle();
  const all = await client.vectorStores.search(vs.id, { query: 'quokka' });
  assert.deepEqual(all.data.map((d) => d.file_id), [strong, weak]);
  const [s0, s1] = all.data.map((d) => d.score);
  assert.ok(s0 > s1 && s1 > 0 && s0 <= 1, `${s0} ${s1}`);
  const cut = await client.vectorStores.search(vs.id, { query: 'quokka', ranking_options: { score_threshold: (s0 + s1) / 2 } });
  assert.deepEqual(cut.data.map((d) => d.file_id), [strong]);
  const none = await client.vectorStores.search(vs.id, { query: 'quokka', ranking_options: { ranker: 'auto', score_threshold: 1 } });
  assert.equal(none.data.length, 0);
});

test('chunking_strategy static: the chunk count follows from the token count, size and overlap', async () => {
  const { encode } = await import('gpt-tokenizer');
  const words = Array.from({ length: 1200 }, (_, i) => `w${i}`).join(' ');
  const n = encode(words).length;
  const fileId = await upload(client, 'words.txt', words);
  const expected = (max: number, overlap: number) => (n <= max ? 1 : 1 + Math.ceil((n - max) / (max - overlap)));
  for (const [max, overlap] of [[100, 0], [100, 50], [800, 400], [4096, 0], [300, 100]]) {
    const vs = await client.vectorStores.create({ file_ids: [fileId], chunking_strategy: { type: 'static', static: { max_chunk_size_tokens: max, chunk_overlap_tokens: overlap } } });
    await sb.vectorStores.idle();
    assert.equal(await countChunks(vs.id), expected(max, overlap), `max ${max} overlap ${overlap} (n ${n})`);
  }
  const auto = await client.vectorStores.create({ file_ids: [fileId], chunking_strategy: { type: 'auto' } });
  await sb.vectorStores.idle();
  assert.equal(await countChunks(auto.id), expected(800, 400));
});

test('attribute filters: each comparison and compound filters select the right files', async () => {
  const files = {
    ann21: await upload(client, 'a.txt', 'Annual report on widgets.'),
    bob22: await upload(client, 'b.txt', 'Annual report on gadgets.'),
    cyd23: await upload(client, 'c.txt', 'Annual report on gizmos.'),
    none: await upload(client, 'd.txt', 'Annual report without attributes.'),
  };
  const vs = await client.vectorStores.create({ name: 'filters' });
  const batch = await client.vectorStores.fileBatches.createAndPoll(vs.id, {
    files: [
      { file_id: files.ann21, attributes: { author: 'ann', year: 2021, draft: false, region: 'eu', date: '2021-03-01' } },
      { file_id: files.bob22, attributes: { author: 'bob', year: 2022, draft: true, region: 'us', date: '2022-07-15' } },
      { file_id: files.cyd23, attributes: { author: 'cyd', year: 2023, draft: false, region: 'apac', date: '2023-01-30' } },
      { file_id: files.none },
    ],
  }, { pollIntervalMs: 50 });
  assert.equal(batch.status, 'completed');
  assert.deepEqual(batch.file_counts, { in_progress: 0, completed: 4, failed: 0, cancelled: 0, total: 4 });

  const search = async (filters: any) =>
    (await client.vectorStores.search(vs.id, { query: 'annual report', filters })).data.map((d) => d.file_id).sort();
  const ids = (...xs: string[]) => xs.sort();
  assert.deepEqual(await search({ type: 'eq', key: 'author', value: 'ann' }), ids(files.ann21));
  assert.deepEqual(await search({ type: 'eq', key: 'draft', value: true }), ids(files.bob22));
  assert.deepEqual(await search({ type: 'eq', key: 'year', value: '2021' }), [], 'no coercion between string and number');
  assert.deepEqual(await search({ type: 'ne', key: 'author', value: 'ann' }), ids(files.bob22, files.cyd23, files.none));
  assert.deepEqual(await search({ type: 'gt', key: 'year', value: 2021 }), ids(files.bob22, files.cyd23));
  assert.deepEqual(await search({ type: 'gte', key: 'year', value: 2022 }), ids(files.bob22, files.cyd23));
  assert.deepEqual(await search({ type: 'lt', key: 'year', value: 2022 }), ids(files.ann21));
  assert.deepEqual(await search({ type: 'lte', key: 'year', value: 2022 }), ids(files.ann21, files.bob22));
  assert.deepEqual(await search({ type: 'gte', key: 'date', value: '2022-01-01' }), ids(files.bob22, files.cyd23));
  assert.deepEqual(await search({ type: 'in', key: 'region', value: ['eu', 'apac'] }), ids(files.ann21, files.cyd23));
  assert.deepEqual(await search({ type: 'nin', key: 'region', value: ['eu', 'apac'] }), ids(files.bob22, files.none));
  assert.deepEqual(await search({ type: 'and', filters: [{ type: 'eq', key: 'draft', value: false }, { type: 'gt', key: 'year', value: 2021 }] }), ids(files.cyd23));
  assert.deepEqual(await search({ type: 'or', filters: [{ type: 'eq', key: 'author', value: 'ann' }, { type: 'eq', key: 'region', value: 'us' }] }), ids(files.ann21, files.bob22));
  assert.deepEqual(await search({
    type: 'or',
    filters: [
      { type: 'and', filters: [{ type: 'eq', key: 'draft', value: false }, { type: 'lt', key: 'year', value: 2022 }] },
      { type: 'eq', key: 'author', value: 'cyd' },
    ],
  }), ids(files.ann21, files.cyd23));

  // Attributes can be changed afterwards, and filters see the change.
  const updated = await client.vectorStores.files.update(files.none, { vector_store_id: vs.id, attributes: { author: 'ann' } });
  assert.deepEqual(updated.attributes, { author: 'ann' });
  assert.deepEqual(await search({ type: 'eq', key: 'author', value: 'ann' }), ids(files.ann21, files.none));
  const listed = await client.vectorStores.fileBatches.listFiles(batch.id, { vector_store_id: vs.id });
  assert.equal(listed.data.length, 4);
});

test('validation errors are 400s naming the parameter, and store nothing', async () => {
  const before = (await client.vectorStores.list({ limit: 100 })).data.length;
  const fileId = await upload(client, 'v.txt', 'validation');
  const cases: [Promise<unknown>, string][] = [
    [client.vectorStores.create({ file_ids: [fileId], chunking_strategy: { type: 'static', static: { max_chunk_size_tokens: 50, chunk_overlap_tokens: 0 } } }), 'chunking_strategy.static.max_chunk_size_tokens'],
    [client.vectorStores.create({ file_ids: [fileId], chunking_strategy: { type: 'static', static: { max_chunk_size_tokens: 200, chunk_overlap_tokens: 101 } } }), 'chunking_strategy.static.chunk_overlap_tokens'],
    [client.vectorStores.create({ file_ids: [fileId], chunking_strategy: { type: 'fancy' } as any }), 'chunking_strategy.type'],
    [client.vectorStores.create({ file_ids: [fileId], expires_after: { anchor: 'created_at' as any, days: 3 } }), 'expires_after.anchor'],
    [client.vectorStores.create({ metadata: { k: 5 as any } }), 'metadata.k'],
    [client.vectorStores.create({ colour: 'blue' } as any), 'colour'],
  ];
  for (const [p, param] of cases) {
    const e = await errorOf(p);
    assert.equal(e.status, 400, param);
    assert.equal(e.param, param);
  }
  assert.equal((await client.vectorStores.list({ limit: 100 })).data.length, before);

  const vs = await client.vectorStores.create({ name: 'v' });
  const searchCases: [any, string][] = [
    [{ query: 'x', max_num_results: 0 }, 'max_num_results'],
    [{ query: 'x', max_num_results: 51 }, 'max_num_results'],
    [{ query: 'x', filters: { type: 'like', key: 'a', value: 'b' } }, 'filters.type'],
    [{ query: 'x', filters: { type: 'and', filters: [{ type: 'eq', key: 'a', value: 1 }, { type: 'between', key: 'a', value: 1 }] } }, 'filters.filters[1].type'],
    [{ query: 'x', filters: { type: 'in', key: 'a', value: 'b' } }, 'filters.value'],
    [{ query: 'x', ranking_options: { score_threshold: 2 } }, 'ranking_options.score_threshold'],
    [{ query: 'x', ranking_options: { ranker: 'best' } }, 'ranking_options.ranker'],
    [{ query: '' }, 'query'],
    [{}, 'query'],
  ];
  for (const [body, param] of searchCases) {
    const e = await errorOf(client.vectorStores.search(vs.id, body));
    assert.equal(e.status, 400, JSON.stringify(body));
    assert.equal(e.param, param, JSON.stringify(body));
  }
  const attach = await errorOf(client.vectorStores.files.create(vs.id, { file_id: fileId, attributes: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i])) }));
  assert.deepEqual([attach.status, attach.param], [400, 'attributes']);
  const both = await errorOf(client.vectorStores.fileBatches.create(vs.id, { file_ids: [fileId], files: [{ file_id: fileId }] }));
  assert.deepEqual([both.status, both.param], [400, 'files']);
  assert.equal((await client.vectorStores.files.list(vs.id)).data.length, 0);

  // Unknown ids are 404s.
  const missingStore = await errorOf(client.vectorStores.retrieve('vs_nope'));
  assert.equal(missingStore.status, 404);
  assert.equal((await errorOf(client.vectorStores.search('vs_nope', { query: 'x' }))).status, 404);
  const missingFile = await errorOf(client.vectorStores.files.create(vs.id, { file_id: 'file-nope' }));
  assert.deepEqual([missingFile.status, missingFile.param], [404, 'file_id']);
  const missingInBatch = await errorOf(client.vectorStores.fileBatches.create(vs.id, { file_ids: [fileId, 'file-nope'] }));
  assert.deepEqual([missingInBatch.status, missingInBatch.param], [404, 'file_ids[1]']);
  assert.equal((await errorOf(client.vectorStores.files.retrieve('file-nope', { vector_store_id: vs.id }))).status, 404);
  assert.equal((await errorOf(client.vectorStores.fileBatches.retrieve('vsfb_nope', { vector_store_id: vs.id }))).status, 404);
});

test('deleting a file from a store, or the store, removes its chunks from search and from the index', async () => {
  const keep = await upload(client, 'keep.txt', 'Narwhal tusks are teeth.');
  const drop = await upload(client, 'drop.txt', 'Narwhal pods migrate in winter.');
  const vs = await client.vectorStores.create({ file_ids: [keep, drop] });
  await sb.vectorStores.idle();
  assert.equal((await client.vectorStores.search(vs.id, { query: 'narwhal' })).data.length, 2);

  const deleted = await client.vectorStores.files.delete(drop, { vector_store_id: vs.id });
  assert.deepEqual(deleted, { id: drop, object: 'vector_store.file.deleted', deleted: true });
  assert.deepEqual((await client.vectorStores.search(vs.id, { query: 'narwhal' })).data.map((d) => d.file_id), [keep]);
  assert.equal(await countChunks(vs.id, drop), 0);
  assert.equal((await client.vectorStores.retrieve(vs.id)).file_counts.total, 1);
  // The Files API file itself stays.
  assert.equal((await client.files.retrieve(drop)).id, drop);

  const gone = await client.vectorStores.delete(vs.id);
  assert.deepEqual(gone, { id: vs.id, object: 'vector_store.deleted', deleted: true });
  assert.equal((await errorOf(client.vectorStores.search(vs.id, { query: 'narwhal' }))).status, 404);
  assert.equal(await countChunks(vs.id), 0);
  const fts = await sql<{ n: number }>`SELECT count(*) AS n FROM vector_chunks_fts WHERE vector_chunks_fts MATCH 'narwhal'`.execute(sb.db);
  assert.equal(Number(fts.rows[0].n), 0);
});

test('stores list, page (after / before, asc / desc), update and expire settings', async () => {
  const fresh = await startSwitchboard({});
  try {
    const c = fresh.client();
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await c.vectorStores.create({ name: `s${i}` }));
    const page1 = await c.vectorStores.list({ limit: 2, order: 'asc' });
    assert.deepEqual(page1.data.map((v) => v.name), ['s0', 's1']);
    assert.equal(page1.hasNextPage(), true);
    const all = [];
    for await (const v of c.vectorStores.list({ limit: 2, order: 'desc' })) all.push(v.name);
    assert.deepEqual(all, ['s4', 's3', 's2', 's1', 's0']);
    const before = await c.vectorStores.list({ limit: 2, order: 'asc', before: made[3].id });
    assert.deepEqual(before.data.map((v) => v.name), ['s1', 's2']);

    const updated = await c.vectorStores.update(made[0].id, { name: 'renamed', metadata: { a: 'b' }, expires_after: { anchor: 'last_active_at', days: 7 } });
    assert.equal(updated.name, 'renamed');
    assert.deepEqual(updated.metadata, { a: 'b' });
    assert.deepEqual(updated.expires_after, { anchor: 'last_active_at', days: 7 });
    assert.equal(updated.expires_at, updated.last_active_at! + 7 * 86400);
    const cleared = await c.vectorStores.update(made[0].id, { expires_after: null, metadata: null });
    assert.equal(cleared.expires_at, null);
    assert.equal(cleared.metadata, null);
    assert.equal(cleared.name, 'renamed');
  } finally {
    await fresh.close();
  }
});

test('tenants do not see each other\'s stores, files or chunks', async () => {
  const multi = await startSwitchboard({ auth: { api_keys: [{ key: 'sk-a', tenant: 'a' }, { key: 'sk-b', tenant: 'b' }] } });
  try {
    const a = multi.client({ apiKey: 'sk-a' });
    const b = multi.client({ apiKey: 'sk-b' });
    const fileA = await upload(a, 'secret.txt', 'The launch code word is marmalade.');
    const vsA = await a.vectorStores.create({ file_ids: [fileA] });
    await multi.vectorStores.idle();
    assert.equal((await a.vectorStores.search(vsA.id, { query: 'marmalade' })).data.length, 1);

    assert.equal((await errorOf(b.vectorStores.retrieve(vsA.id))).status, 404);
    assert.equal((await errorOf(b.vectorStores.search(vsA.id, { query: 'marmalade' }))).status, 404);
    assert.equal((await errorOf(b.vectorStores.files.list(vsA.id))).status, 404);
    assert.equal((await errorOf(b.vectorStores.delete(vsA.id))).status, 404);
    assert.equal((await b.vectorStores.list()).data.length, 0);
    const vsB = await b.vectorStores.create({ name: 'b' });
    assert.equal((await errorOf(b.vectorStores.files.create(vsB.id, { file_id: fileA }))).status, 404);
    assert.equal((await b.vectorStores.search(vsB.id, { query: 'marmalade' })).data.length, 0);
    // The service as the file_search tool calls it.
    const ctxB = { requestId: 'r', tenant: 'b', keyId: null };
    assert.equal(await multi.vectorStores.exists(ctxB, vsA.id), false);
    assert.equal(await multi.vectorStores.exists({ ...ctxB, tenant: 'a' }, vsA.id), true);
    await assert.rejects(multi.vectorStores.search(ctxB, [vsB.id, vsA.id], 'marmalade'), (e: any) => e.status === 404 && e.param === 'vector_store_ids[1]');
  } finally {
    await multi.close();
  }
});

test('search() for the file_search tool merges several stores by score and honours filters and limits', async () => {
  const ctx = { requestId: 'r', tenant: 'default', keyId: null };
  const f1 = await upload(client, 'lynx1.txt', 'Lynx lynx lynx: the Eurasian lynx hunts deer.');
  const f2 = await upload(client, 'lynx2.txt', 'A lynx was seen once near the village, with foxes, badgers, owls and many other animals.');
  const s1 = await client.vectorStores.create({ file_ids: [] });
  const s2 = await client.vectorStores.create({ file_ids: [] });
  await client.vectorStores.files.create(s1.id, { file_id: f2, attributes: { kind: 'sighting' } });
  await client.vectorStores.files.create(s2.id, { file_id: f1, attributes: { kind: 'fact' } });
  await sb.vectorStores.idle();
  const hits = await sb.vectorStores.search(ctx, [s1.id, s2.id], 'lynx');
  assert.deepEqual(hits.map((h) => h.file_id), [f1, f2]);
  assert.deepEqual(hits[0].attributes, { kind: 'fact' });
  assert.equal(hits[0].filename, 'lynx1.txt');
  assert.match(hits[0].text, /Eurasian lynx/);
  assert.deepEqual((await sb.vectorStores.search(ctx, [s1.id, s2.id], ['lynx'], { maxNumResults: 1 })).map((h) => h.file_id), [f1]);
  assert.deepEqual((await sb.vectorStores.search(ctx, [s1.id, s2.id], 'lynx', { filters: { type: 'eq', key: 'kind', value: 'sighting' } })).map((h) => h.file_id), [f2]);
  assert.deepEqual((await sb.vectorStores.search(ctx, [s1.id, s2.id], 'lynx', { scoreThreshold: (hits[0].score + hits[1].score) / 2 })).map((h) => h.file_id), [f1]);
  await assert.rejects(sb.vectorStores.search(ctx, [s1.id], 'lynx', { filters: { type: 'nope' } }), (e: any) => e.status === 400 && e.param === 'filters.type');
});

test('a small store is searched exactly even when other stores hold the best matches of the whole index', async () => {
  const big = await client.vectorStores.create({ name: 'big' });
  const bigFiles = [];
  for (let i = 0; i < 20; i++) bigFiles.push(await upload(client, `big${i}.txt`, `Ocelot ocelot ocelot number ${i}.`));
  await client.vectorStores.fileBatches.create(big.id, { file_ids: bigFiles });
  const quiet = await upload(client, 'quiet.txt', 'A long note about many jungle cats: jaguars, margays, pumas, the ocelot, servals and caracals live in varied habitats.');
  const other = await upload(client, 'other-cat.txt', 'Another long note about wild cats and their habitats, with a single ocelot sighting recorded near the river bank.');
  const small = await client.vectorStores.create({ name: 'small' });
  await client.vectorStores.fileBatches.create(small.id, { files: [{ file_id: quiet, attributes: { keep: true } }, { file_id: other, attributes: { keep: false } }] });
  await sb.vectorStores.idle();
  const bigTop = await client.vectorStores.search(big.id, { query: 'ocelot', max_num_results: 2 });
  const smallTop = await client.vectorStores.search(small.id, { query: 'ocelot', max_num_results: 1 });
  assert.equal(smallTop.data.length, 1);
  assert.ok(bigTop.data[1].score > smallTop.data[0].score, 'the big store outranks the small one');
  const both = await client.vectorStores.search(small.id, { query: 'ocelot', max_num_results: 2 });
  assert.deepEqual(both.data.map((d) => d.file_id).sort(), [quiet, other].sort());
  const filtered = await client.vectorStores.search(small.id, { query: 'ocelot', filters: { type: 'eq', key: 'keep', value: false } });
  assert.deepEqual(filtered.data.map((d) => d.file_id), [other]);
});

test('expiry: a search moves last_active_at and expires_at on; a store past expires_at is expired and refuses searches', async () => {
  const fileId = await upload(client, 'tapir.txt', 'Tapirs have prehensile snouts.');
  const vs = await client.vectorStores.create({ file_ids: [fileId], expires_after: { anchor: 'last_active_at', days: 2 } });
  await sb.vectorStores.idle();
  const longAgo = Date.now() - 86_400_000;
  await sql`UPDATE vector_stores SET last_active_at = ${longAgo}, expires_at = ${longAgo + 2 * 86_400_000} WHERE id = ${vs.id}`.execute(sb.db);
  await client.vectorStores.search(vs.id, { query: 'tapir' });
  const touched = await client.vectorStores.retrieve(vs.id);
  assert.ok(touched.last_active_at! >= Math.floor(Date.now() / 1000) - 5);
  assert.equal(touched.expires_at, touched.last_active_at! + 2 * 86400);

  await sql`UPDATE vector_stores SET expires_at = ${Date.now() - 1000} WHERE id = ${vs.id}`.execute(sb.db);
  assert.equal((await client.vectorStores.retrieve(vs.id)).status, 'expired');
  const e = await errorOf(client.vectorStores.search(vs.id, { query: 'tapir' }));
  assert.deepEqual([e.status, e.code], [400, 'vector_store_expired']);
  const ctx = { requestId: 'r', tenant: 'default', keyId: null };
  assert.equal(await sb.vectorStores.exists(ctx, vs.id), true);
  await assert.rejects(sb.vectorStores.search(ctx, [vs.id], 'tapir'), (err: any) => err.status === 400 && err.param === 'vector_store_ids[0]');
});
