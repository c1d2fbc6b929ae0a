/**
 * Containers and their files in the store: reads are prepared statements on the main connection, writes are
 * data (container-writes.ts) handed to the store's Writer. Every query is scoped by tenant (but the sweeper's).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Writer } from '../store/sqlite-writer.js';
import type { ContainerFileMeta } from './container-writes.js';
import type { ContainerFilesTable, ContainersTable } from './migrations-containers.js';

export type ContainerRow = ContainersTable;
export type { ContainerFileMeta };

export interface PageQuery { limit: number; order: 'asc' | 'desc'; after?: string }

const FILE_COLUMNS = 'id, container_id, tenant, path, source, bytes, sha256, created_at';

export class ContainerStore {
  private readonly q;

  constructor(db: BetterSqlite3.Database, private readonly writer: Writer) {
    const page = (table: string, scope: string, cols: string, op: '>' | '<', order: 'ASC' | 'DESC') => db.prepare(`SELECT ${cols} FROM ${table}
      WHERE ${scope} AND (@at IS NULL OR created_at ${op} @at OR (created_at = @at AND id ${op} @id))
      ORDER BY created_at ${order}, id ${order} LIMIT @limit`);
    const containerScope = 'tenant = @tenant AND (@name IS NULL OR name = @name)';
    const fileScope = 'container_id = @container AND tenant = @tenant';
    this.q = {
      get: db.prepare('SELECT * FROM containers WHERE id = ? AND tenant = ?'),
      cursor: db.prepare('SELECT created_at, id FROM containers WHERE id = ? AND tenant = ?'),
      pageAsc: page('containers', containerScope, '*', '>', 'ASC'),
      pageDesc: page('containers', containerScope, '*', '<', 'DESC'),
      file: db.prepare(`SELECT ${FILE_COLUMNS} FROM container_files WHERE id = ? AND container_id = ? AND tenant = ?`),
      fileData: db.prepare('SELECT data FROM container_files WHERE id = ? AND container_id = ? AND tenant = ?').pluck(),
      files: db.prepare(`SELECT ${FILE_COLUMNS} FROM container_files WHERE container_id = ? AND tenant = ? ORDER BY created_at, id`),
      fileCursor: db.prepare('SELECT created_at, id FROM container_files WHERE id = ? AND container_id = ? AND tenant = ?'),
      filesAsc: page('container_files', fileScope, FILE_COLUMNS, '>', 'ASC'),
      filesDesc: page('container_files', fileScope, FILE_COLUMNS, '<', 'DESC'),
      expiredAmong: db.prepare('SELECT id FROM containers WHERE id = ? AND last_active_at + idle_ms <= ?').pluck(),
    };
  }

  get(tenant: string, id: string): ContainerRow | null {
    const row = this.q.get.get(id, tenant) as ContainerRow | undefined;
    return row ? normalize(row) : null;
  }

  list(tenant: string, q: PageQuery & { name?: string }): { rows: ContainerRow[]; hasMore: boolean } {
    const cursor = q.after === undefined ? null : this.q.cursor.get(q.after, tenant) as { created_at: number; id: string } | undefined;
    if (cursor === undefined) return { rows: [], hasMore: false };
    const stmt = q.order === 'asc' ? this.q.pageAsc : this.q.pageDesc;
    const rows = stmt.all({ tenant, name: q.name ?? null, at: cursor?.created_at ?? null, id: cursor?.id ?? null, limit: q.limit + 1 }) as ContainerRow[];
    return { rows: rows.slice(0, q.limit).map(normalize), hasMore: rows.length > q.limit };
  }

  file(tenant: string, containerId: string, id: string): ContainerFileMeta | null {
    const row = this.q.file.get(id, containerId, tenant) as ContainerFileMeta | undefined;
    return row ? normalizeFile(row) : null;
  }

  fileData(tenant: string, containerId: string, id: string): Buffer | null {
    return (this.q.fileData.get(id, containerId, tenant) as Buffer | undefined) ?? null;
  }

  /** Every file of the container, oldest first, without bytes. */
  files(tenant: string, containerId: string): ContainerFileMeta[] {
    return (this.q.files.all(containerId, tenant) as ContainerFileMeta[]).map(normalizeFile);
  }

  listFiles(tenant: string, containerId: string, q: PageQuery): { rows: ContainerFileMeta[]; hasMore: boolean } {
    const cursor = q.after === undefined ? null : this.q.fileCursor.get(q.after, containerId, tenant) as { created_at: number; id: string } | undefined;
    if (cursor === undefined) return { rows: [], hasMore: false };
    const stmt = q.order === 'asc' ? this.q.filesAsc : this.q.filesDesc;
    const rows = stmt.all({ tenant, container: containerId, at: cursor?.created_at ?? null, id: cursor?.id ?? null, limit: q.limit + 1 }) as ContainerFileMeta[];
    return { rows: rows.slice(0, q.limit).map(normalizeFile), hasMore: rows.length > q.limit };
  }

  isExpired(id: string, now: number): boolean {
    return this.q.expiredAmong.get(id, now) !== undefined;
  }

  async insert(row: ContainerRow): Promise<void> {
    await this.writer.run({ op: 'container.insert', row });
  }

  async touch(tenant: string, id: string, at: number): Promise<void> {
    await this.writer.run({ op: 'container.touch', tenant, id, at });
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    return (await this.writer.run({ op: 'container.delete', tenant, id })).changes > 0;
  }

  async putFile(row: ContainerFilesTable): Promise<ContainerFileMeta> {
    const { file } = await this.writer.run({ op: 'container.file_put', row });
    return normalizeFile(file!);
  }

  async deleteFile(tenant: string, containerId: string, id: string): Promise<boolean> {
    return (await this.writer.run({ op: 'container.file_delete', tenant, containerId, id })).changes > 0;
  }

  async dropExpiredFiles(now: number): Promise<number> {
    return (await this.writer.run({ op: 'container.drop_expired_files', now })).changes;
  }
}

function normalize(row: ContainerRow): ContainerRow {
  return { ...row, created_at: Number(row.created_at), last_active_at: Number(row.last_active_at), idle_ms: Number(row.idle_ms) };
}

function normalizeFile(row: ContainerFileMeta): ContainerFileMeta {
  return { ...row, bytes: Number(row.bytes), created_at: Number(row.created_at) };
}
