/**
 * File metadata in the `files` table (the bytes live on disk, see file-service.ts), in the store's one access
 * style: reads are prepared statements on the main connection; writes are data (file-writes.ts) handed to the
 * store's Writer, the same queue as every other write. Every query is scoped by tenant (but the sweeper's).
 * Expired files are invisible here even before a sweep deletes them.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { FilesTable } from '../store/schema.js';
import type { Writer } from '../store/sqlite-writer.js';

/** `files` as it stands after migration `0002_files` (store/migrations-files.ts). */
export interface FileRow extends FilesTable {
  /** Milliseconds since the epoch (the API shows seconds). */
  created_at: number;
  content_type: string | null;
  /** Milliseconds since the epoch, or null for files that never expire. */
  expires_at: number | null;
}

export interface FileListQuery {
  purpose?: string;
  limit: number;
  order: 'asc' | 'desc';
  /** A file id: the page starts right after it in the chosen order. */
  after?: string;
}

export class FileStore {
  private readonly q;

  constructor(db: BetterSqlite3.Database, private readonly writer: Writer) {
    const live = '(expires_at IS NULL OR expires_at > @now)';
    const page = (op: '>' | '<', order: 'ASC' | 'DESC') => db.prepare(`SELECT * FROM files WHERE tenant = @tenant AND ${live}
      AND (@purpose IS NULL OR purpose = @purpose)
      AND (@at IS NULL OR created_at ${op} @at OR (created_at = @at AND id ${op} @id))
      ORDER BY created_at ${order}, id ${order} LIMIT @limit`);
    this.q = {
      get: db.prepare(`SELECT * FROM files WHERE id = @id AND tenant = @tenant AND ${live}`),
      cursor: db.prepare('SELECT created_at, id FROM files WHERE id = ? AND tenant = ?'),
      pageAsc: page('>', 'ASC'),
      pageDesc: page('<', 'DESC'),
      expired: db.prepare('SELECT * FROM files WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at ASC LIMIT ?'),
    };
  }

  async insert(row: FileRow): Promise<void> {
    await this.writer.run({ op: 'file.insert', row });
  }

  async get(tenant: string, id: string, now = Date.now()): Promise<FileRow | null> {
    const row = this.q.get.get({ id, tenant, now }) as FileRow | undefined;
    return row ? normalize(row) : null;
  }

  /** One page plus one row, to tell whether there is more. */
  async list(tenant: string, q: FileListQuery, now = Date.now()): Promise<{ rows: FileRow[]; hasMore: boolean }> {
    let at: number | null = null;
    let id: string | null = null;
    if (q.after !== undefined) {
      const cursor = this.q.cursor.get(q.after, tenant) as { created_at: number; id: string } | undefined;
      if (!cursor) return { rows: [], hasMore: false };
      at = Number(cursor.created_at);
      id = cursor.id;
    }
    const stmt = q.order === 'asc' ? this.q.pageAsc : this.q.pageDesc;
    const rows = stmt.all({ tenant, now, purpose: q.purpose ?? null, at, id, limit: q.limit + 1 }) as FileRow[];
    return { rows: rows.slice(0, q.limit).map(normalize), hasMore: rows.length > q.limit };
  }

  /** Removes the row and returns it (null when there was none). */
  async delete(tenant: string, id: string): Promise<FileRow | null> {
    const { row } = await this.writer.run({ op: 'file.delete', tenant, id });
    return row ? normalize(row) : null;
  }

  /** Expired rows of every tenant, oldest expiry first (for the sweeper). */
  async listExpired(now: number, limit: number): Promise<FileRow[]> {
    return (this.q.expired.all(now, limit) as FileRow[]).map(normalize);
  }

  async deleteRow(id: string): Promise<void> {
    await this.writer.run({ op: 'file.delete_row', id });
  }
}

/** PostgreSQL returns bigint columns as strings; SQLite as numbers. */
function normalize(row: FileRow): FileRow {
  return {
    ...row,
    bytes: Number(row.bytes),
    created_at: Number(row.created_at),
    expires_at: row.expires_at === null ? null : Number(row.expires_at),
  };
}
