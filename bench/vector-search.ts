/**
 * Vector store ingestion and search (`npm run bench:vectors`): the real service on a SQLite file (inline
 * writer), synthetic text (pseudo-words with a skewed frequency, like a natural vocabulary), chunks of 100
 * tokens without overlap.
 *
 * - ingestion: files attached as one batch, timed from the attach until the queue is idle: chunks/s.
 * - search: `search()` as the file_search tool calls it (3-word queries, top 10), p50 / p95 over the queries,
 *   against a baseline measured in the same run on the same database: the bare FTS5 query (the same MATCH
 *   expression, `ORDER BY bm25 LIMIT 10`, no store filter, no scores, no texts) — so the ratio is what the
 *   service adds on top of SQLite's own BM25 ranking.
 * - at 10k chunks, then 100k (90k more into the same store); hybrid at 10k with the test suite's fake
 *   embeddings server on loopback (256 dimensions), unless `--no-hybrid`.
 *
 * `--quick`: 2k and 10k chunks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'gpt-tokenizer';
import { FileService } from '../src/files/file-service.js';
import { FileStore } from '../src/files/file-store.js';
import { silentLogger } from '../src/log/logger.js';
import { openSqlite } from '../src/store/open-sqlite.js';
import { InThreadWriter } from '../src/store/sqlite-writer.js';
import { EmbeddingsClient } from '../src/vector-stores/embeddings-client.js';
import { keywords } from '../src/vector-stores/search-engine.js';
import { VectorStoreService } from '../src/vector-stores/vector-store-service.js';
import { VectorStoreStore } from '../src/vector-stores/vector-store-store.js';
import type { VectorStoreOptions } from '../src/vector-stores/vector-store-options.js';
import { startFakeEmbeddings } from '../test/fakes/fake-embeddings.js';

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const HYBRID = !args.has('--no-hybrid');
const SIZES = QUICK ? [2_000, 10_000] : [10_000, 100_000];
const CHUNKS_PER_FILE = 100;
const CHUNK = { max_chunk_size_tokens: 100, chunk_overlap_tokens: 0 };
const QUERIES = QUICK ? 100 : 300;
const ctx = { requestId: 'bench', tenant: 'bench', keyId: null };

// A deterministic generator, so runs compare.
let seed = 42;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);

const SYLLABLES = ['ka', 'lo', 've', 'mi', 'tu', 'ra', 'no', 'shi', 'be', 'do', 'fa', 'gu', 'pe', 'zo', 'qui', 'mar'];
const VOCAB = Array.from({ length: 20_000 }, (_, i) => {
  let w = '';
  for (let x = i + 1, n = 0; x > 0 || n < 2; x = Math.floor(x / SYLLABLES.length), n++) w += SYLLABLES[x % SYLLABLES.length];
  return w;
});
/** Skewed: low indices are common words, the tail is rare (roughly Zipf-like). */
const word = () => VOCAB[Math.floor(VOCAB.length * rand() ** 3)];

/** Words per 100-token chunk, measured on a sample of this vocabulary. */
const WORDS_PER_CHUNK = (() => {
  const sample = Array.from({ length: 20_000 }, word).join(' ');
  return Math.floor((CHUNK.max_chunk_size_tokens * 20_000) / encode(sample).length);
})();

function fileText(chunks: number): string {
  const out: string[] = [];
  // A few words short of the last chunk's end, so a file is `chunks` chunks, not one more with a word or two.
  for (let i = 0; i < chunks * WORDS_PER_CHUNK - 5; i++) out.push(word());
  return out.join(' ');
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

const ms = (ns: bigint) => Number(ns) / 1e6;

async function setup(opts: Partial<VectorStoreOptions>) {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-vs-'));
  const { db, raw } = await openSqlite(join(dir, 'bench.db'));
  const writer = new InThreadWriter(raw);
  const files = new FileService(new FileStore(raw, writer), { dir: join(dir, 'files') });
  await files.init();
  const service = new VectorStoreService(new VectorStoreStore(raw), writer, files, silentLogger(), opts);
  const store = await service.create(ctx, { name: 'bench', file_ids: [], metadata: null, expires_after_days: null, chunking: CHUNK });
  return {
    raw, service, storeId: store.id,
    async close() {
      service.close();
      await writer.close();
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
    /** Uploads and attaches `n` chunks' worth of files; answers chunks/s from attach to idle. */
    async ingest(nChunks: number) {
      const ids: string[] = [];
      for (let made = 0; made < nChunks; made += CHUNKS_PER_FILE) {
        const f = await files.create(ctx, Buffer.from(fileText(Math.min(CHUNKS_PER_FILE, nChunks - made))), { filename: `f${made}.txt`, contentType: 'text/plain', purpose: 'assistants' });
        ids.push(f.id);
      }
      const before = raw.prepare('SELECT count(*) FROM vector_chunks').pluck().get() as number;
      const t0 = process.hrtime.bigint();
      await service.createBatch(ctx, store.id, ids.map((file_id) => ({ file_id, attributes: null, chunking: CHUNK })));
      await service.idle();
      const s = ms(process.hrtime.bigint() - t0) / 1000;
      const after = raw.prepare('SELECT count(*) FROM vector_chunks').pluck().get() as number;
      return { chunks: after - before, total: after, seconds: s, perSecond: (after - before) / s };
    },
  };
}

async function latencies(env: Awaited<ReturnType<typeof setup>>, embed?: (q: string) => Promise<unknown>) {
  const queries = Array.from({ length: QUERIES }, () => `${word()} ${word()} ${word()}`);
  const bare = env.raw.prepare('SELECT rowid, bm25(vector_chunks_fts) AS s FROM vector_chunks_fts WHERE vector_chunks_fts MATCH ? ORDER BY bm25(vector_chunks_fts) LIMIT 10');
  // Warm-up: page cache and statement preparation, not the per-term counts (they are part of a first query).
  for (const q of queries.slice(0, 10)) await env.service.search(ctx, [env.storeId], q, { maxNumResults: 10 });
  const ours: number[] = [];
  const base: number[] = [];
  const emb: number[] = [];
  for (const q of queries) {
    const match = keywords(q).map((t) => `"${t}"`).join(' OR ');
    let t0 = process.hrtime.bigint();
    bare.all(match);
    base.push(ms(process.hrtime.bigint() - t0));
    t0 = process.hrtime.bigint();
    await env.service.search(ctx, [env.storeId], q, { maxNumResults: 10 });
    ours.push(ms(process.hrtime.bigint() - t0));
    if (embed) {
      t0 = process.hrtime.bigint();
      await embed(q);
      emb.push(ms(process.hrtime.bigint() - t0));
    }
  }
  // The same queries again: their words' document frequencies are cached now (until the chunks change).
  const repeat: number[] = [];
  for (const q of queries) {
    const t0 = process.hrtime.bigint();
    await env.service.search(ctx, [env.storeId], q, { maxNumResults: 10 });
    repeat.push(ms(process.hrtime.bigint() - t0));
  }
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    p50: r(pct(ours, 50)), p95: r(pct(ours, 95)), bare_p50: r(pct(base, 50)), bare_p95: r(pct(base, 95)),
    ratio_p50: r(pct(ours, 50) / pct(base, 50)), ratio_p95: r(pct(ours, 95) / pct(base, 95)),
    repeat_p50: r(pct(repeat, 50)), repeat_p95: r(pct(repeat, 95)),
    ...(emb.length ? { query_embedding_p50: r(pct(emb, 50)) } : {}),
  };
}

const results: Record<string, unknown>[] = [];
const lexical = await setup({});
let have = 0;
for (const size of SIZES) {
  const ing = await lexical.ingest(size - have);
  have = ing.total;
  const lat = await latencies(lexical);
  results.push({ mode: 'lexical', chunks: have, ingest_chunks_per_s: Math.round(ing.perSecond), ingest_s: Math.round(ing.seconds * 10) / 10, ...lat });
  console.log(JSON.stringify(results.at(-1)));
}
await lexical.close();

if (HYBRID) {
  const emb = await startFakeEmbeddings(256);
  const hybrid = await setup({ embeddings: { base_url: emb.baseUrl, model: 'fake', batch_size: 256 } });
  const ing = await hybrid.ingest(SIZES[0]);
  // The query's embedding round trip alone (the fake server runs in this process, so its work counts too).
  const client = new EmbeddingsClient({ base_url: emb.baseUrl, model: 'fake' });
  const lat = await latencies(hybrid, (q) => client.embed([q]));
  results.push({ mode: 'hybrid (256 dims)', chunks: ing.total, ingest_chunks_per_s: Math.round(ing.perSecond), ingest_s: Math.round(ing.seconds * 10) / 10, ...lat });
  console.log(JSON.stringify(results.at(-1)));
  await hybrid.close();
  await emb.close();
}

console.log('\n| mode | chunks | ingestion chunks/s | search p50 / p95 ms | bare FTS5 p50 / p95 ms | ratio p50 / p95 | repeated queries p50 / p95 ms |');
console.log('|---|---|---|---|---|---|---|');
for (const r of results as any[]) {
  const mode = r.query_embedding_p50 ? `${r.mode}, of which the query embedding p50 ${r.query_embedding_p50} ms` : r.mode;
  console.log(`| ${mode} | ${r.chunks} | ${r.ingest_chunks_per_s} | ${r.p50} / ${r.p95} | ${r.bare_p50} / ${r.bare_p95} | ${r.ratio_p50}× / ${r.ratio_p95}× | ${r.repeat_p50} / ${r.repeat_p95} |`);
}
