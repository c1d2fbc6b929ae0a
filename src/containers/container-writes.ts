/**
 * Every write the Containers API makes, as plain data (it may cross to the writer thread, like the other
 * families in store/sqlite-writes.ts) and the prepared statements that apply them.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { ContainerFilesTable, ContainersTable } from './migrations-containers.js';

export type ContainerFileMeta = Omit<ContainerFilesTable, 'data'>;

export type ContainerWriteOp =
  | { op: 'container.insert'; row: ContainersTable }
  | { op: 'container.touch'; tenant: string; id: string; at: number }
  /** The container and all its files. */
  | { op: 'container.delete'; tenant: string; id: string }
  /** Stores a file at its path in the container: a new row, or new bytes for the file already there (same id). */
  | { op: 'container.file_put'; row: ContainerFilesTable }
  | { op: 'container.file_delete'; tenant: string; containerId: string; id: string }
  /** The sweeper: drops the files of containers idle past their time (any tenant). */
  | { op: 'container.drop_expired_files'; now: number };

/** Rows changed; `file`: the stored file's metadata after `container.file_put`. */
export interface ContainerWriteResult { changes: number; file?: ContainerFileMeta }

export function isContainerOp(op: { op: string }): op is ContainerWriteOp {
  return op.op.startsWith('container.');
}

export class ContainerWrites {
  private readonly q;

  constructor(db: BetterSqlite3.Database) {
    this.q = {
      insert: db.prepare(`INSERT INTO containers (id, tenant, name, created_at, last_active_at, idle_ms, memory_limit)
        VALUES (@id, @tenant, @name, @created_at, @last_active_at, @idle_ms, @memory_limit)`),
      touch: db.prepare('UPDATE containers SET last_active_at = MAX(last_active_at, ?) WHERE id = ? AND tenant = ?'),
      delete: db.prepare('DELETE FROM containers WHERE id = ? AND tenant = ?'),
      deleteFiles: db.prepare('DELETE FROM container_files WHERE container_id = ? AND tenant = ?'),
      existing: db.prepare('SELECT id, created_at FROM container_files WHERE container_id = ? AND path = ?'),
      insertFile: db.prepare(`INSERT INTO container_files (id, container_id, tenant, path, source, bytes, sha256, created_at, data)
        VALUES (@id, @container_id, @tenant, @path, @source, @bytes, @sha256, @created_at, @data)`),
      updateFile: db.prepare('UPDATE container_files SET source = @source, bytes = @bytes, sha256 = @sha256, data = @data WHERE id = @id'),
      deleteFile: db.prepare('DELETE FROM container_files WHERE id = ? AND container_id = ? AND tenant = ?'),
      dropExpired: db.prepare(`DELETE FROM container_files WHERE container_id IN
        (SELECT id FROM containers WHERE last_active_at + idle_ms <= ?)`),
    };
  }

  /** Applies one write; runs inside the caller's transaction. */
  apply(op: ContainerWriteOp): ContainerWriteResult {
    switch (op.op) {
      case 'container.insert':
        return { changes: this.q.insert.run(op.row).changes };
      case 'container.touch':
        return { changes: this.q.touch.run(op.at, op.id, op.tenant).changes };
      case 'container.delete': {
        this.q.deleteFiles.run(op.id, op.tenant);
        return { changes: this.q.delete.run(op.id, op.tenant).changes };
      }
      case 'container.file_put': {
        // Bytes that crossed to the writer thread arrive as a plain Uint8Array.
        const d = op.row.data as Uint8Array;
        const data = Buffer.isBuffer(d) ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength);
        const old = this.q.existing.get(op.row.container_id, op.row.path) as { id: string; created_at: number } | undefined;
        const row = old ? { ...op.row, id: old.id, created_at: Number(old.created_at), data } : { ...op.row, data };
        if (old) this.q.updateFile.run(row);
        else this.q.insertFile.run(row);
        const { data: _bytes, ...file } = row;
        return { changes: 1, file };
      }
      case 'container.file_delete':
        return { changes: this.q.deleteFile.run(op.id, op.containerId, op.tenant).changes };
      case 'container.drop_expired_files':
        return { changes: this.q.dropExpired.run(op.now).changes };
    }
  }
}
