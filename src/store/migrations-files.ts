/**
 * `0002_files`: what the Files API needs beyond the `files` table of `0001_core` — the upload's media type
 * (served back by `GET /files/{id}/content` and used to build data URLs) and an optional expiry — plus the
 * index that listing runs on. `files.created_at` holds MILLISECONDS (the API shows seconds): uploads made in
 * the same second still list in upload order.
 *
 * One ALTER per column: SQLite cannot add several columns in one statement.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const filesMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('files').addColumn('content_type', 'text').execute();
    await db.schema.alterTable('files').addColumn('expires_at', 'bigint').execute();
    await db.schema.createIndex('files_by_tenant_created').ifNotExists().on('files').columns(['tenant', 'created_at', 'id']).execute();
    await sql`select 1`.execute(db);
  },
};

/** Spread into `migrations` in `store/schema.ts`: `{ ...coreMigrations, ...filesMigrations }`. */
export const filesMigrations: Record<string, Migration> = { '0002_files': filesMigration };
