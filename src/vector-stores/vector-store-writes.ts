/**
 * Every write the Vector Stores API makes, as plain data (so it can cross to the writer thread like the other
 * families in store/sqlite-writes.ts), and the prepared statements that apply them. Each op runs inside the
 * caller's transaction, so a file's chunks and its `completed` status land together.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { ChunkInput, VectorStoreBatchRow, VectorStoreFileRow, VectorStoreRow } from './vector-store-rows.js';

export type VectorStoreWriteOp =
  | { op: 'vs.create_store'; row: VectorStoreRow; files: VectorStoreFileRow[] }
  /** Replaces name, metadata and expiry of the tenant's store. */
  | { op: 'vs.update_store'; row: VectorStoreRow }
  | { op: 'vs.touch'; id: string; last_active_at: number; expires_at: number | null }
  | { op: 'vs.delete_store'; tenant: string; id: string }
  /** Attaches (or re-attaches: old chunks go) files to the tenant's store, with their batch when there is one. */
  | { op: 'vs.attach_files'; tenant: string; storeId: string; rows: VectorStoreFileRow[]; batch: VectorStoreBatchRow | null }
  | { op: 'vs.complete_file'; storeId: string; fileId: string; ingestId: string; chunks: ChunkInput[]; content: string; usage_bytes: number }
  | { op: 'vs.fail_file'; storeId: string; fileId: string; ingestId: string; error: string }
  | { op: 'vs.set_attributes'; tenant: string; storeId: string; fileId: string; attributes: string | null }
  | { op: 'vs.delete_file'; tenant: string; storeId: string; fileId: string }
  | { op: 'vs.cancel_batch'; tenant: string; storeId: string; batchId: string };

/** Whether the op found what it was to change (a store, a file still being ingested by that attempt…). */
export interface VectorStoreWriteResult { changed: boolean }

export function isVectorStoreOp(op: { op: string }): op is VectorStoreWriteOp {
  return op.op.startsWith('vs.');
}

export class VectorStoreWrites {
  private readonly q;

  constructor(db: BetterSqlite3.Database) {
    this.q = {
      insertStore: db.prepare(`INSERT INTO vector_stores (id, tenant, name, created_at, last_active_at, metadata, expires_after_days, expires_at)
        VALUES (@id, @tenant, @name, @created_at, @last_active_at, @metadata, @expires_after_days, @expires_at)`),
      updateStore: db.prepare(`UPDATE vector_stores SET name = @name, metadata = @metadata, expires_after_days = @expires_after_days,
        expires_at = @expires_at, last_active_at = @last_active_at WHERE id = @id AND tenant = @tenant`),
      touch: db.prepare('UPDATE vector_stores SET last_active_at = ?, expires_at = ? WHERE id = ?'),
      storeExists: db.prepare('SELECT 1 FROM vector_stores WHERE id = ? AND tenant = ?').pluck(),
      deleteStore: db.prepare('DELETE FROM vector_stores WHERE id = ? AND tenant = ?'),
      deleteStoreFiles: db.prepare('DELETE FROM vector_store_files WHERE vector_store_id = ?'),
      deleteStoreBatches: db.prepare('DELETE FROM vector_store_file_batches WHERE vector_store_id = ?'),
      deleteStoreChunks: db.prepare('DELETE FROM vector_chunks WHERE vector_store_id = ?'),
      upsertFile: db.prepare(`INSERT INTO vector_store_files (vector_store_id, file_id, tenant, batch_id, filename, created_at, status,
        last_error, attributes, chunking, usage_bytes, ingest_id, content)
        VALUES (@vector_store_id, @file_id, @tenant, @batch_id, @filename, @created_at, @status, @last_error, @attributes, @chunking,
        @usage_bytes, @ingest_id, NULL)
        ON CONFLICT (vector_store_id, file_id) DO UPDATE SET batch_id = excluded.batch_id, filename = excluded.filename,
        created_at = excluded.created_at, status = excluded.status, last_error = NULL, attributes = excluded.attributes,
        chunking = excluded.chunking, usage_bytes = 0, ingest_id = excluded.ingest_id, content = NULL`),
      deleteFileChunks: db.prepare('DELETE FROM vector_chunks WHERE vector_store_id = ? AND file_id = ?'),
      insertBatch: db.prepare('INSERT INTO vector_store_file_batches (id, vector_store_id, tenant, created_at, cancelled) VALUES (?, ?, ?, ?, 0)'),
      insertChunk: db.prepare('INSERT INTO vector_chunks (vector_store_id, file_id, seq, text, embedding) VALUES (?, ?, ?, ?, ?)'),
      complete: db.prepare(`UPDATE vector_store_files SET status = 'completed', usage_bytes = ?, content = ?
        WHERE vector_store_id = ? AND file_id = ? AND ingest_id = ? AND status = 'in_progress'`),
      fail: db.prepare(`UPDATE vector_store_files SET status = 'failed', last_error = ?
        WHERE vector_store_id = ? AND file_id = ? AND ingest_id = ? AND status = 'in_progress'`),
      setAttributes: db.prepare('UPDATE vector_store_files SET attributes = ? WHERE vector_store_id = ? AND file_id = ? AND tenant = ?'),
      deleteFile: db.prepare('DELETE FROM vector_store_files WHERE vector_store_id = ? AND file_id = ? AND tenant = ?'),
      cancelBatch: db.prepare('UPDATE vector_store_file_batches SET cancelled = 1 WHERE id = ? AND vector_store_id = ? AND tenant = ?'),
      cancelBatchFiles: db.prepare(`UPDATE vector_store_files SET status = 'cancelled', ingest_id = ''
        WHERE batch_id = ? AND vector_store_id = ? AND status = 'in_progress'`),
    };
  }

  apply(op: VectorStoreWriteOp): VectorStoreWriteResult {
    switch (op.op) {
      case 'vs.create_store':
        this.q.insertStore.run(op.row);
        for (const f of op.files) this.q.upsertFile.run(f);
        return { changed: true };
      case 'vs.update_store':
        return { changed: this.q.updateStore.run(op.row).changes === 1 };
      case 'vs.touch':
        return { changed: this.q.touch.run(op.last_active_at, op.expires_at, op.id).changes === 1 };
      case 'vs.delete_store': {
        if (this.q.deleteStore.run(op.id, op.tenant).changes !== 1) return { changed: false };
        this.q.deleteStoreChunks.run(op.id);
        this.q.deleteStoreFiles.run(op.id);
        this.q.deleteStoreBatches.run(op.id);
        return { changed: true };
      }
      case 'vs.attach_files': {
        if (!this.q.storeExists.get(op.storeId, op.tenant)) return { changed: false };
        if (op.batch) this.q.insertBatch.run(op.batch.id, op.batch.vector_store_id, op.batch.tenant, op.batch.created_at);
        for (const f of op.rows) {
          this.q.deleteFileChunks.run(op.storeId, f.file_id);
          this.q.upsertFile.run(f);
        }
        return { changed: true };
      }
      case 'vs.complete_file': {
        if (this.q.complete.run(op.usage_bytes, op.content, op.storeId, op.fileId, op.ingestId).changes !== 1) return { changed: false };
        op.chunks.forEach((c, seq) => this.q.insertChunk.run(op.storeId, op.fileId, seq, c.text, blob(c.embedding)));
        return { changed: true };
      }
      case 'vs.fail_file':
        return { changed: this.q.fail.run(op.error, op.storeId, op.fileId, op.ingestId).changes === 1 };
      case 'vs.set_attributes':
        return { changed: this.q.setAttributes.run(op.attributes, op.storeId, op.fileId, op.tenant).changes === 1 };
      case 'vs.delete_file': {
        if (this.q.deleteFile.run(op.storeId, op.fileId, op.tenant).changes !== 1) return { changed: false };
        this.q.deleteFileChunks.run(op.storeId, op.fileId);
        return { changed: true };
      }
      case 'vs.cancel_batch': {
        if (this.q.cancelBatch.run(op.batchId, op.storeId, op.tenant).changes !== 1) return { changed: false };
        this.q.cancelBatchFiles.run(op.batchId, op.storeId);
        return { changed: true };
      }
    }
  }
}

/** Bytes that crossed to the writer thread arrive as a plain Uint8Array; SQLite binds a Buffer as a BLOB. */
function blob(v: Uint8Array | null): Buffer | null {
  if (!v) return null;
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}
