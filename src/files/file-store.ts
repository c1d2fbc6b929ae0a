/**
 * File metadata in the `files` table (the bytes live on disk, see file-service.ts). Kysely only, every query
 * scoped by tenant. Expired files are invisible here even before a sweep deletes them.
 */
import type { Kysely } from 'kysely';
import type { Database, FilesTable } from '../store/schema.js';

/** `files` as it stands after migration `0002_files` (store/migrations-files.ts). */
export interface FileRow extends FilesTable {
  /** Milliseconds since the epoch (the API shows seconds). */
  created_at: number;
  content_type: string | null;
  /** Milliseconds since the epoch, or null for files that never expire. */
  expires_at: number | null;
}

type FilesDatabase = Omit<Database, 'files'> & { files: FileRow };

export interface FileListQuery {
  purpose?: string;
  limit: number;
  order: 'asc' | 'desc';
  /** A file id: the page starts right after it in the chosen order. */
  after?: string;
}

export class FileStore {
  private readonly db: Kysely<FilesDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db as unknown as Kysely<FilesDatabase>;
  }

  async insert(row: FileRow): Promise<void> {
    await this.db.insertInto('files').values(row).execute();
  }

  async get(tenant: string, id: string, now = Date.now()): Promise<FileRow | null> {
    const row = await this.db.selectFrom('files').selectAll()
      .where('id', '=', id).where('tenant', '=', tenant)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
    return row ? normalize(row) : null;
  }

  /** One page plus one row, to tell whether there is more. */
  async list(tenant: string, q: FileListQuery, now = Date.now()): Promise<{ rows: FileRow[]; hasMore: boolean }> {
    let query = this.db.selectFrom('files').selectAll()
      .where('tenant', '=', tenant)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
    if (q.purpose !== undefined) query = query.where('purpose', '=', q.purpose);
    if (q.after !== undefined) {
      const cursor = await this.db.selectFrom('files').select(['created_at', 'id'])
        .where('id', '=', q.after).where('tenant', '=', tenant).executeTakeFirst();
      if (!cursor) return { rows: [], hasMore: false };
      const op = q.order === 'asc' ? '>' : '<';
      const at = Number(cursor.created_at);
      query = query.where((eb) => eb.or([
        eb('created_at', op, at),
        eb.and([eb('created_at', '=', at), eb('id', op, cursor.id)]),
      ]));
    }
    const rows = await query.orderBy('created_at', q.order).orderBy('id', q.order).limit(q.limit + 1).execute();
    return { rows: rows.slice(0, q.limit).map(normalize), hasMore: rows.length > q.limit };
  }

  /** Removes the row and returns it (null when there was none). */
  async delete(tenant: string, id: string): Promise<FileRow | null> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('files').selectAll().where('id', '=', id).where('tenant', '=', tenant).executeTakeFirst();
      if (!row) return null;
      await trx.deleteFrom('files').where('id', '=', id).where('tenant', '=', tenant).execute();
      return normalize(row);
    });
  }

  /** Expired rows of every tenant, oldest expiry first (for the sweeper). */
  async listExpired(now: number, limit: number): Promise<FileRow[]> {
    const rows = await this.db.selectFrom('files').selectAll()
      .where('expires_at', 'is not', null).where('expires_at', '<=', now)
      .orderBy('expires_at', 'asc').limit(limit).execute();
    return rows.map(normalize);
  }

  async deleteRow(id: string): Promise<void> {
    await this.db.deleteFrom('files').where('id', '=', id).execute();
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
