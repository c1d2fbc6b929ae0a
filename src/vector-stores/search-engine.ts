/**
 * Ranking chunks for a query, with scores from 0 to 1 so that `score_threshold` means the same thing for every
 * query and store.
 *
 * Lexical (always): BM25 from SQLite FTS5 (k1 = 1.2, b = 0.75, Porter-stemmed terms joined with OR). A BM25
 * score has no upper bound of its own, but for a given query it has one: each term contributes at most
 * idf(t)·(k1 + 1), whatever the term frequency and document length. The lexical score is BM25 divided by that
 * bound, Σ idf(t)·(k1+1) over the query's terms (idf exactly as FTS5 computes it, from the same counts), so 1
 * would be a chunk that saturates every term and 0.45 is about one occurrence of every term in a chunk of
 * average length; query words that no chunk holds are in the bound too, so matching part of a query scores
 * less than matching all of it. Document frequencies are counted once per term and kept until the chunks change.
 *
 * Hybrid (with an embeddings provider): the query is embedded and compared (cosine, a dot product of unit
 * vectors, brute force over the stores' vectors held in memory) with every chunk. The score is
 * w·max(0, cosine) + (1 − w)·lexical, w = `vector_weight` (default 0.5), over the union of the best
 * lexical and the best vector candidates. A weighted sum of the two normalised scores rather than reciprocal
 * rank fusion: RRF's score depends only on rank positions, so the first result would score the same for a
 * perfect match and for the least bad of irrelevant chunks, and a threshold would cut by position, not relevance.
 *
 * Several queries (`query: string[]`): each is ranked, and a chunk keeps its best score.
 */
import type { Logger } from '../log/logger.js';
import { matchesFilter, type AttributeFilter, type Attributes } from './attribute-filter.js';
import { fromBlob, type EmbeddingsClient } from './embeddings-client.js';
import type { VectorStoreStore } from './vector-store-store.js';

/** FTS5's bm25() defaults. */
const K1 = 1.2;
/** Candidates from each side of a hybrid search. */
const HYBRID_CANDIDATES = 100;
const MAX_TERMS = 32;

const STOPWORDS = new Set(
  ('a an and are as at be but by for from has have how i in is it its of on or that the this to was were what when where which who ' +
    'why will with do does did can could should would about into than then there these those you your we our they their me my').split(' '),
);

export interface SearchHit {
  vector_store_id: string;
  file_id: string;
  filename: string;
  score: number;
  attributes: Attributes | null;
  text: string;
}

export interface RankOptions {
  filter: AttributeFilter | null;
  maxResults: number;
  scoreThreshold: number;
}

/** The words of a query that carry meaning (stop words dropped, unless that leaves none), lower case, once each. */
export function keywords(query: string): string[] {
  const words = [...new Set((query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []))];
  const kept = words.filter((w) => !STOPWORDS.has(w));
  return (kept.length ? kept : words).slice(0, MAX_TERMS);
}

/** A store's vectors, one row each: chunk id, the file's ordinal in `fileIds`, and `dims` floats in `data`. */
interface VectorIndex { gen: number; ids: Int32Array; fileOf: Int32Array; fileIds: string[]; dims: number; data: Float32Array }

interface FileInfo { filename: string; attributes: Attributes | null }

export class SearchEngine {
  /** Bumped whenever chunks are added or removed: cached counts and vectors older than it are stale. */
  private gen = 0;
  private readonly storeGen = new Map<string, number>();
  private dfCache = { gen: -1, total: 0, df: new Map<string, number>() };
  private readonly vectorCache = new Map<string, VectorIndex>();
  private readonly fileCache = new Map<string, { gen: number; files: Map<string, FileInfo> }>();

  constructor(
    private readonly store: VectorStoreStore,
    private readonly embeddings: EmbeddingsClient | null,
    private readonly vectorWeight: number,
    private readonly log: Logger,
  ) {}

  /** Call after a write that added or removed chunks of `storeId`. */
  changed(storeId: string): void {
    this.gen++;
    this.storeGen.set(storeId, this.gen);
    this.vectorCache.delete(storeId);
    this.fileCache.delete(storeId);
  }

  /** Call after a file's attributes changed (its chunks did not). */
  attributesChanged(storeId: string): void {
    this.fileCache.delete(storeId);
  }

  async search(storeIds: string[], queries: string[], opts: RankOptions): Promise<SearchHit[]> {
    const files = new Map<string, FileInfo>();
    let allowed: Set<string> | null = null;
    for (const storeId of storeIds) {
      for (const [fileId, f] of this.searchableFiles(storeId)) {
        if (opts.filter && !matchesFilter(opts.filter, f.attributes)) continue;
        files.set(`${storeId} ${fileId}`, f);
      }
    }
    if (!files.size) return [];
    if (opts.filter) allowed = new Set(files.keys());

    const best = new Map<number, { score: number; key: string }>();
    for (const q of queries) {
      for (const [id, hit] of await this.rank(storeIds, q, allowed, files, opts.maxResults)) {
        const prev = best.get(id);
        if (!prev || hit.score > prev.score) best.set(id, hit);
      }
    }
    return [...best]
      .filter(([, h]) => h.score >= opts.scoreThreshold && h.score > 0)
      .sort((a, b) => b[1].score - a[1].score || a[0] - b[0])
      .slice(0, opts.maxResults)
      .map(([id, h]) => {
        const f = files.get(h.key)!;
        const [vector_store_id, file_id] = h.key.split(' ');
        return { vector_store_id, file_id, filename: f.filename, attributes: f.attributes, score: round(h.score), text: this.store.chunkText(id) };
      });
  }

  private async rank(
    storeIds: string[], query: string, allowed: ReadonlySet<string> | null, files: Map<string, unknown>, maxResults: number,
  ): Promise<Map<number, { score: number; key: string }>> {
    const terms = keywords(query);
    const out = new Map<number, { score: number; key: string }>();
    const qvec = this.embeddings ? await this.embedQuery(query) : null;
    const limit = qvec ? Math.max(HYBRID_CANDIDATES, maxResults) : maxResults;
    const lexical = new Map<number, { score: number; key: string }>();
    if (terms.length) {
      const match = terms.map(quote).join(' OR ');
      const bound = this.scoreBound(terms);
      for (const h of this.store.lexical(match, storeIds, allowed, limit)) {
        lexical.set(h.id, { score: bound > 0 ? Math.min(1, h.bm25 / bound) : 0, key: `${h.vector_store_id} ${h.file_id}` });
      }
    }
    if (!qvec) return lexical;

    const w = this.vectorWeight;
    const cosines = new Map<number, { cos: number; key: string }>();
    for (const storeId of storeIds) {
      const index = this.vectors(storeId);
      if (!index || index.dims !== qvec.length) continue;
      const fileOk = index.fileIds.map((f) => files.has(`${storeId} ${f}`));
      const n = index.ids.length;
      const cos = new Float32Array(n).fill(-2);
      for (let r = 0; r < n; r++) if (fileOk[index.fileOf[r]]) cos[r] = dot(qvec, index.data, r * index.dims);
      // The limit-th best cosine, by sorting a copy of the numbers (typed-array sort), not objects.
      const cut = n > limit ? Float32Array.from(cos).sort()[n - limit] : -1;
      for (let r = 0; r < n; r++) {
        if (cos[r] < -1) continue;
        const id = index.ids[r];
        if (cos[r] >= cut || lexical.has(id)) cosines.set(id, { cos: cos[r], key: `${storeId} ${index.fileIds[index.fileOf[r]]}` });
      }
    }
    for (const [id, c] of cosines) out.set(id, { score: w * Math.max(0, c.cos) + (1 - w) * (lexical.get(id)?.score ?? 0), key: c.key });
    // Lexical candidates without a vector (ingested before embeddings were configured) keep their lexical share.
    for (const [id, l] of lexical) if (!out.has(id)) out.set(id, { score: (1 - w) * l.score, key: l.key });
    return out;
  }

  /** Σ idf(t)·(k1 + 1): the most BM25 can give this query (see the top of this file). */
  private scoreBound(terms: string[]): number {
    if (this.dfCache.gen !== this.gen) this.dfCache = { gen: this.gen, total: this.store.totalChunks(), df: new Map() };
    const { total, df } = this.dfCache;
    let bound = 0;
    for (const t of terms) {
      let n = df.get(t);
      if (n === undefined) {
        n = this.store.docFreq(quote(t));
        df.set(t, n);
      }
      // FTS5's idf, floored as FTS5 floors it. A term no chunk holds counts too (as the rarest of terms): a chunk
      // that matches one word of a three-word query matches a third of it, not all of it.
      bound += Math.max(1e-6, Math.log((total - n + 0.5) / (n + 0.5))) * (K1 + 1);
    }
    return bound;
  }

  private async embedQuery(query: string): Promise<Float32Array | null> {
    try {
      return (await this.embeddings!.embed([query]))[0];
    } catch (err) {
      this.log.warn({ err: String(err) }, 'vector store search: the query could not be embedded; ranking lexically');
      return null;
    }
  }

  /** The store's completed files by id, kept until its files change. */
  private searchableFiles(storeId: string): Map<string, FileInfo> {
    const gen = this.storeGen.get(storeId) ?? 0;
    const cached = this.fileCache.get(storeId);
    if (cached && cached.gen === gen) return cached.files;
    const files = new Map<string, FileInfo>();
    for (const f of this.store.searchableFiles([storeId])) {
      files.set(f.file_id, { filename: f.filename, attributes: f.attributes ? (JSON.parse(f.attributes) as Attributes) : null });
    }
    this.fileCache.set(storeId, { gen, files });
    return files;
  }

  /** The store's vectors in one Float32Array, loaded on first use and kept until its chunks change. */
  private vectors(storeId: string): VectorIndex | null {
    const gen = this.storeGen.get(storeId) ?? 0;
    const cached = this.vectorCache.get(storeId);
    if (cached && cached.gen === gen) return cached;
    const rows = this.store.vectors(storeId);
    if (!rows.length) return null;
    const dims = rows[0].embedding.byteLength / 4;
    const usable = rows.filter((r) => r.embedding.byteLength === dims * 4);
    const data = new Float32Array(usable.length * dims);
    const ids = new Int32Array(usable.length);
    const fileOf = new Int32Array(usable.length);
    const ordinal = new Map<string, number>();
    usable.forEach((r, i) => {
      data.set(fromBlob(r.embedding), i * dims);
      ids[i] = r.id;
      let k = ordinal.get(r.file_id);
      if (k === undefined) ordinal.set(r.file_id, (k = ordinal.size));
      fileOf[i] = k;
    });
    const index = { gen, ids, fileOf, fileIds: [...ordinal.keys()], dims, data };
    this.vectorCache.set(storeId, index);
    return index;
  }
}

function quote(term: string): string {
  return `"${term.replace(/"/g, '""')}"`;
}

/** Four running sums: independent additions pipeline (~25 % faster than one sum at 256 dimensions). */
function dot(q: Float32Array, data: Float32Array, off: number): number {
  let a = 0, b = 0, c = 0, d = 0;
  const n = q.length;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    a += q[i] * data[off + i];
    b += q[i + 1] * data[off + i + 1];
    c += q[i + 2] * data[off + i + 2];
    d += q[i + 3] * data[off + i + 3];
  }
  for (; i < n; i++) a += q[i] * data[off + i];
  return a + b + c + d;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
