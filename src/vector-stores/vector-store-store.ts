/**
 * Reads of the vector store tables, as prepared statements on the main connection (writes are ops handed to the
 * Writer: vector-store-writes.ts). Stores are scoped by tenant here; files, batches and chunks by a store id the
 * caller has already found in the tenant's stores.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { FileCounts, VectorStoreBatchRow, VectorStoreFileRow, VectorStoreFileStatus, VectorStoreRow } from './vector-store-rows.js';

export interface PageQuery {
  limit: number;
  order: 'asc' | 'desc';
  after?: string;
  before?: string;
}

export interface Page<R> { rows: R[]; hasMore: boolean }

/** A scored chunk from the FTS5 index: `bm25` is FTS5's score negated (higher is better). */
export interface LexicalHit { id: number; vector_store_id: string; file_id: string; bm25: number }

export interface SearchableFile { vector_store_id: string; file_id: string; filename: string; attributes: string | null }

type Cursor = { created_at: number; id: string };

/**
 * Keyset pages over (created_at, id): `after` continues in the list's order; `before` takes the rows just
 * before the cursor (read in the opposite order, then turned round).
 */
function pager<R>(db: BetterSqlite3.Database, from: string, idCol: string) {
  const stmt = (op: '<' | '>', dir: 'ASC' | 'DESC') => db.prepare(`${from}
    AND (@at IS NULL OR created_at ${op} @at OR (created_at = @at AND ${idCol} ${op} @id))
    ORDER BY created_at ${dir}, ${idCol} ${dir} LIMIT @limit`);
  const q = { gtAsc: stmt('>', 'ASC'), ltDesc: stmt('<', 'DESC') };
  return (params: Record<string, unknown>, p: PageQuery, cursor: Cursor | null): Page<R> => {
    const forward = p.before === undefined;
    const ascending = (p.order === 'asc') === forward;
    const s = ascending ? q.gtAsc : q.ltDesc;
    const rows = s.all({ ...params, at: cursor?.created_at ?? null, id: cursor?.id ?? null, limit: p.limit + 1 }) as R[];
    const hasMore = rows.length > p.limit;
    const page = rows.slice(0, p.limit);
    return { rows: forward ? page : page.reverse(), hasMore };
  };
}

export class VectorStoreStore {
  private readonly q;
  private readonly storePage;
  private readonly filePage;

  constructor(private readonly db: BetterSqlite3.Database) {
    this.storePage = pager<VectorStoreRow>(db, 'SELECT * FROM vector_stores WHERE tenant = @tenant', 'id');
    this.filePage = pager<VectorStoreFileRow>(db, `SELECT vector_store_id, file_id, tenant, batch_id, filename, created_at, status, last_error,
      attributes, chunking, usage_bytes, ingest_id FROM vector_store_files WHERE vector_store_id = @store
      AND (@status IS NULL OR status = @status) AND (@batch IS NULL OR batch_id = @batch)`, 'file_id');
    this.q = {
      store: db.prepare('SELECT * FROM vector_stores WHERE id = ? AND tenant = ?'),
      storeCursor: db.prepare('SELECT created_at, id FROM vector_stores WHERE id = ? AND tenant = ?'),
      counts: db.prepare(`SELECT status, count(*) AS n, coalesce(sum(usage_bytes), 0) AS bytes FROM vector_store_files
        WHERE vector_store_id = ? GROUP BY status`),
      batchCounts: db.prepare('SELECT status, count(*) AS n FROM vector_store_files WHERE batch_id = ? GROUP BY status'),
      file: db.prepare(`SELECT vector_store_id, file_id, tenant, batch_id, filename, created_at, status, last_error, attributes, chunking,
        usage_bytes, ingest_id FROM vector_store_files WHERE vector_store_id = ? AND file_id = ?`),
      fileCursor: db.prepare('SELECT created_at, file_id AS id FROM vector_store_files WHERE vector_store_id = ? AND file_id = ?'),
      content: db.prepare('SELECT content FROM vector_store_files WHERE vector_store_id = ? AND file_id = ?').pluck(),
      batch: db.prepare('SELECT * FROM vector_store_file_batches WHERE id = ? AND vector_store_id = ?'),
      inProgress: db.prepare(`SELECT vector_store_id, file_id, tenant, batch_id, filename, created_at, status, last_error, attributes,
        chunking, usage_bytes, ingest_id FROM vector_store_files WHERE status = 'in_progress' ORDER BY created_at`),
      searchable: db.prepare(`SELECT vector_store_id, file_id, filename, attributes FROM vector_store_files
        WHERE vector_store_id IN (SELECT value FROM json_each(?)) AND status = 'completed'`),
      lexical: db.prepare(`SELECT c.id AS id, c.vector_store_id AS vector_store_id, c.file_id AS file_id, -bm25(vector_chunks_fts) AS bm25
        FROM vector_chunks_fts JOIN vector_chunks c ON c.id = vector_chunks_fts.rowid
        WHERE vector_chunks_fts MATCH @match AND c.vector_store_id IN (SELECT value FROM json_each(@stores))
        AND (@files IS NULL OR (c.vector_store_id || ' ' || c.file_id) IN (SELECT value FROM json_each(@files)))
        ORDER BY bm25(vector_chunks_fts) LIMIT @limit`),
      // The index's best @pre matches, with their store and file (filtered in JS: see lexical()).
      lexicalTop: db.prepare(`SELECT c.id AS id, c.vector_store_id AS vector_store_id, c.file_id AS file_id, f.bm25 AS bm25
        FROM (SELECT rowid, -bm25(vector_chunks_fts) AS bm25 FROM vector_chunks_fts WHERE vector_chunks_fts MATCH ?
              ORDER BY bm25(vector_chunks_fts) LIMIT ?) f
        JOIN vector_chunks c ON c.id = f.rowid`),
      docFreq: db.prepare('SELECT count(*) FROM vector_chunks_fts WHERE vector_chunks_fts MATCH ?').pluck(),
      totalChunks: db.prepare('SELECT count(*) FROM vector_chunks').pluck(),
      chunkText: db.prepare('SELECT text FROM vector_chunks WHERE id = ?').pluck(),
      vectors: db.prepare('SELECT id, file_id, embedding FROM vector_chunks WHERE vector_store_id = ? AND embedding IS NOT NULL'),
      fileChunkCount: db.prepare('SELECT count(*) FROM vector_chunks WHERE vector_store_id = ? AND file_id = ?').pluck(),
    };
  }

  store(tenant: string, id: string): VectorStoreRow | null {
    return (this.q.store.get(id, tenant) as VectorStoreRow | undefined) ?? null;
  }

  /** A cursor id that is not one of the tenant's stores gives an empty page. */
  listStores(tenant: string, p: PageQuery): Page<VectorStoreRow> {
    const cursorId = p.before ?? p.after;
    let cursor: Cursor | null = null;
    if (cursorId !== undefined) {
      cursor = (this.q.storeCursor.get(cursorId, tenant) as Cursor | undefined) ?? null;
      if (!cursor) return { rows: [], hasMore: false };
    }
    return this.storePage({ tenant }, p, cursor);
  }

  counts(storeId: string): { counts: FileCounts; usageBytes: number } {
    const rows = this.q.counts.all(storeId) as { status: VectorStoreFileStatus; n: number; bytes: number }[];
    const counts = emptyCounts();
    let usageBytes = 0;
    for (const r of rows) {
      counts[r.status] = r.n;
      counts.total += r.n;
      usageBytes += Number(r.bytes);
    }
    return { counts, usageBytes };
  }

  batchCounts(batchId: string): FileCounts {
    const counts = emptyCounts();
    for (const r of this.q.batchCounts.all(batchId) as { status: VectorStoreFileStatus; n: number }[]) {
      counts[r.status] = r.n;
      counts.total += r.n;
    }
    return counts;
  }

  file(storeId: string, fileId: string): VectorStoreFileRow | null {
    return (this.q.file.get(storeId, fileId) as VectorStoreFileRow | undefined) ?? null;
  }

  listFiles(storeId: string, p: PageQuery & { status?: string; batchId?: string }): Page<VectorStoreFileRow> {
    const cursorId = p.before ?? p.after;
    let cursor: Cursor | null = null;
    if (cursorId !== undefined) {
      cursor = (this.q.fileCursor.get(storeId, cursorId) as Cursor | undefined) ?? null;
      if (!cursor) return { rows: [], hasMore: false };
    }
    return this.filePage({ store: storeId, status: p.status ?? null, batch: p.batchId ?? null }, p, cursor);
  }

  content(storeId: string, fileId: string): string | null {
    return (this.q.content.get(storeId, fileId) as string | null | undefined) ?? null;
  }

  batch(storeId: string, batchId: string): VectorStoreBatchRow | null {
    return (this.q.batch.get(batchId, storeId) as VectorStoreBatchRow | undefined) ?? null;
  }

  inProgressFiles(): VectorStoreFileRow[] {
    return this.q.inProgress.all() as VectorStoreFileRow[];
  }

  searchableFiles(storeIds: string[]): SearchableFile[] {
    return this.q.searchable.all(JSON.stringify(storeIds)) as SearchableFile[];
  }

  /**
   * The `limit` best chunks of `storeIds` for `match`; `files`: the `"<store id> <file id>"` keys they must
   * belong to (null: any). The index's best `limit`, then 8×`limit`, matches are read first and filtered here —
   * exact as soon as `limit` pass (nothing below them can outrank them) or the matches ran out — and only
   * otherwise is the whole match set filtered in SQL. With one store, or a few large ones, the first read does it,
   * for little more than the bare FTS5 query.
   */
  lexical(match: string, storeIds: string[], files: ReadonlySet<string> | null, limit: number): LexicalHit[] {
    const stores = new Set(storeIds);
    for (const pre of [limit, limit * 8]) {
      const rows = this.q.lexicalTop.all(match, pre) as LexicalHit[];
      const hits = rows.filter((r) => stores.has(r.vector_store_id) && (!files || files.has(`${r.vector_store_id} ${r.file_id}`)));
      if (hits.length >= limit || rows.length < pre) return hits.slice(0, limit);
    }
    return this.q.lexical.all({ match, stores: JSON.stringify(storeIds), files: files ? JSON.stringify([...files]) : null, limit }) as LexicalHit[];
  }

  docFreq(match: string): number {
    return this.q.docFreq.get(match) as number;
  }

  totalChunks(): number {
    return this.q.totalChunks.get() as number;
  }

  chunkText(id: number): string {
    return (this.q.chunkText.get(id) as string | undefined) ?? '';
  }

  vectors(storeId: string): { id: number; file_id: string; embedding: Uint8Array }[] {
    return this.q.vectors.all(storeId) as { id: number; file_id: string; embedding: Uint8Array }[];
  }

  fileChunkCount(storeId: string, fileId: string): number {
    return this.q.fileChunkCount.get(storeId, fileId) as number;
  }
}

function emptyCounts(): FileCounts {
  return { in_progress: 0, completed: 0, failed: 0, cancelled: 0, total: 0 };
}
