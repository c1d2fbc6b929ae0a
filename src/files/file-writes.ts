/**
 * Every write the Files API's metadata makes, as plain data (so it can cross to the writer thread, like the
 * response writes in store/sqlite-writes.ts) and the prepared statements that apply them.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { FileRow } from './file-store.js';

export type FileWriteOp =
  | { op: 'file.insert'; row: FileRow }
  /** Removes the tenant's row and answers it. */
  | { op: 'file.delete'; tenant: string; id: string }
  /** The sweeper's delete (any tenant). */
  | { op: 'file.delete_row'; id: string };

/** The row deleted by `file.delete` (null: there was none, or another op). */
export interface FileWriteResult { row: FileRow | null }

export function isFileOp(op: { op: string }): op is FileWriteOp {
  return op.op.startsWith('file.');
}

export class FileWrites {
  private readonly q;

  constructor(db: BetterSqlite3.Database) {
    this.q = {
      insert: db.prepare(`INSERT INTO files (id, tenant, filename, purpose, bytes, created_at, path, status, content_type, expires_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      get: db.prepare('SELECT * FROM files WHERE id = ? AND tenant = ?'),
      delete: db.prepare('DELETE FROM files WHERE id = ? AND tenant = ?'),
      deleteRow: db.prepare('DELETE FROM files WHERE id = ?'),
    };
  }

  /** Applies one write; runs inside the caller's transaction. */
  apply(op: FileWriteOp): FileWriteResult {
    switch (op.op) {
      case 'file.insert': {
        const r = op.row;
        this.q.insert.run(r.id, r.tenant, r.filename, r.purpose, r.bytes, r.created_at, r.path, r.status, r.content_type, r.expires_at);
        return { row: null };
      }
      case 'file.delete': {
        const row = this.q.get.get(op.id, op.tenant) as FileRow | undefined;
        if (!row) return { row: null };
        this.q.delete.run(op.id, op.tenant);
        return { row };
      }
      case 'file.delete_row':
        this.q.deleteRow.run(op.id);
        return { row: null };
    }
  }
}
