/**
 * `0007_containers`: the Containers API's state. A container row per container (times in MILLISECONDS, the
 * API shows seconds; `idle_ms` is its `expires_after.minutes`), and its files with their bytes in the row:
 * container files are small working files that live and die with their container, so one transaction
 * covers a file and its bytes, and deleting a container deletes everything it had.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export interface ContainersTable {
  id: string; tenant: string; name: string; created_at: number; last_active_at: number; idle_ms: number; memory_limit: string;
}

export interface ContainerFilesTable {
  id: string; container_id: string; tenant: string; path: string; source: string; bytes: number; sha256: string; created_at: number;
  data: Buffer;
}

export const containersMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createTable('containers').ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_active_at', 'bigint', (c) => c.notNull())
      .addColumn('idle_ms', 'bigint', (c) => c.notNull())
      .addColumn('memory_limit', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('containers_by_tenant_created').ifNotExists().on('containers').columns(['tenant', 'created_at', 'id']).execute();
    await db.schema.createTable('container_files').ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('container_id', 'text', (c) => c.notNull())
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('bytes', 'bigint', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('data', 'blob', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('container_files_by_path').ifNotExists().unique().on('container_files').columns(['container_id', 'path']).execute();
    await db.schema.createIndex('container_files_by_created').ifNotExists().on('container_files').columns(['container_id', 'created_at', 'id']).execute();
    await sql`select 1`.execute(db);
  },
};

/** Spread into `migrations` in `store/schema.ts`. */
export const containersMigrations: Record<string, Migration> = { '0007_containers': containersMigration };
