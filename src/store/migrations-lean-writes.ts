/**
 * `0003_lean_writes`: fewer B-trees touched per stored response. Every B-tree a commit touches is at least
 * one more WAL frame (two write syscalls), and frames were most of the store's cost (bench/README.md):
 *
 * - A streamed response's event log moves into its `responses` row (`events` column): the `event_logs`
 *   table and its primary-key index are no longer written at all. Existing logs are copied over.
 * - Thread rows become lazy (no schema change; see `claimThreadRange` in sqlite-writes.ts): a conversation's
 *   first response writes no `threads` row, only a continuation or a fork does. The history query treats a
 *   thread without a row as a root thread.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const leanWritesMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('responses').addColumn('events', 'text').execute();
    await sql`UPDATE responses SET events = (SELECT e.events FROM event_logs e WHERE e.response_id = responses.id)
      WHERE id IN (SELECT response_id FROM event_logs)`.execute(db);
    await db.schema.dropTable('event_logs').ifExists().execute();
  },
};

export const leanWritesMigrations: Record<string, Migration> = { '0003_lean_writes': leanWritesMigration };
