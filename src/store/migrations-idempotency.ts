/**
 * `0005_idempotency`: the `idempotency_records` table behind `Idempotency-Key` (http/idempotency.ts). One row
 * per (tenant, key): `in_progress` while the first request runs, then `done` with the answer that was sent
 * (status, the headers worth repeating as JSON, the body as text: every creating POST answers JSON or SSE).
 * `0001_core`'s `idempotency_keys` table was never written (it could only hold a response id, which a
 * `store: false` response or a file upload does not have in the same way): it is dropped.
 * Times are milliseconds; `expires_at` is indexed for the sweep.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export interface IdempotencyRecordsTable {
  tenant: string;
  key: string;
  /** 'in_progress' | 'done' */
  state: string;
  /** sha256 of method, route and body; '' while in progress. */
  request_hash: string;
  status: number | null;
  /** JSON object of header name → value. */
  headers: string | null;
  /** The answer's body; null when it was larger than the recording limit (`body_bytes` still says how big). */
  body: string | null;
  body_bytes: number | null;
  created_at: number;
  expires_at: number;
}

export const idempotencyMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.dropTable('idempotency_keys').ifExists().execute();
    await db.schema.createTable('idempotency_records').ifNotExists()
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('request_hash', 'text', (c) => c.notNull())
      .addColumn('status', 'integer')
      .addColumn('headers', 'text')
      .addColumn('body', 'text')
      .addColumn('body_bytes', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('idempotency_records_pk', ['tenant', 'key'])
      .execute();
    await db.schema.createIndex('idempotency_records_by_expiry').ifNotExists().on('idempotency_records').column('expires_at').execute();
    await sql`select 1`.execute(db);
  },
};

/** Spread into `migrations` in `store/schema.ts`. */
export const idempotencyMigrations: Record<string, Migration> = { '0005_idempotency': idempotencyMigration };
