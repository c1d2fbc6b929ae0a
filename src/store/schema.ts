/**
 * Table shapes (Kysely) and the migrations that create them. One schema for SQLite and PostgreSQL: JSON is
 * stored as TEXT, times as integer seconds / milliseconds, so both dialects run the same queries.
 *
 * History for `previous_response_id` lives in *threads*: each stored response owns a contiguous range of
 * `items` rows in a thread (its input items, then its output items). Continuing from the thread's tip appends
 * to it; continuing from an older response (a fork) starts a new thread that points at the parent and the
 * fork position. A response's whole context is one query (a recursive walk up the forks, then a range read),
 * however long the chain and however many forks deep.
 */
import { Kysely, sql, type Migration } from 'kysely';
import { filesMigrations } from './migrations-files.js';
import { leanWritesMigrations } from './migrations-lean-writes.js';
import { idempotencyMigrations, type IdempotencyRecordsTable } from './migrations-idempotency.js';
import { conversationsMigrations, type ConversationItemsTable } from '../conversations/migrations-conversations.js';
import { containersMigrations, type ContainerFilesTable, type ContainersTable } from '../containers/migrations-containers.js';
import { vectorStoresMigrations } from '../vector-stores/migrations-vector-stores.js';

export interface ResponsesTable {
  id: string;
  tenant: string;
  status: string;
  model: string;
  created_at: number;
  updated_at: number;
  previous_response_id: string | null;
  background: number;
  /** Thread position, set when the response finishes (null while in progress). */
  thread_id: string | null;
  input_start: number | null;
  output_start: number | null;
  end_seq: number | null;
  /** The validated request body (JSON). */
  request: string;
  /** The Response object (JSON), as of the last update. */
  response: string;
  /** A streamed response's events as a JSON array (its event log); null when it was not streamed. */
  events: string | null;
}

/**
 * A forked thread does not copy its history: it points at the parent thread and the position it forked at;
 * its own items start at `base_seq` (= `parent_end`), so seqs keep increasing along a lineage and one
 * recursive query reads a whole history, however many forks deep.
 */
export interface ThreadsTable {
  id: string; tenant: string; next_seq: number; parent_id: string | null; parent_end: number | null; base_seq: number;
}

export interface ItemsTable {
  thread_id: string;
  seq: number;
  item_id: string;
  response_id: string;
  tenant: string;
  /** 'input' | 'output' */
  role: string;
  data: string;
}

/** `created_at` in seconds; `next_seq` since `0004_conversations`; `thread_id` is unused. */
export interface ConversationsTable { id: string; tenant: string; created_at: number; metadata: string; thread_id: string | null; next_seq: number }
export interface FilesTable {
  id: string; tenant: string; filename: string; purpose: string; bytes: number; created_at: number; path: string; status: string;
}

export interface Database {
  responses: ResponsesTable;
  threads: ThreadsTable;
  items: ItemsTable;
  conversations: ConversationsTable;
  conversation_items: ConversationItemsTable;
  /** Created by `0005_idempotency` (`0001_core`'s `idempotency_keys` is dropped there). */
  idempotency_records: IdempotencyRecordsTable;
  files: FilesTable;
  containers: ContainersTable;
  container_files: ContainerFilesTable;
}

export const migrations: Record<string, Migration> = {
  '0001_core': {
    async up(db: Kysely<any>) {
      await db.schema.createTable('responses').ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('previous_response_id', 'text')
        .addColumn('background', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('thread_id', 'text')
        .addColumn('input_start', 'integer')
        .addColumn('output_start', 'integer')
        .addColumn('end_seq', 'integer')
        .addColumn('request', 'text', (c) => c.notNull())
        .addColumn('response', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createTable('threads').ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('next_seq', 'integer', (c) => c.notNull())
        .addColumn('parent_id', 'text')
        .addColumn('parent_end', 'integer')
        .addColumn('base_seq', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createTable('items').ifNotExists()
        .addColumn('thread_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('item_id', 'text', (c) => c.notNull())
        .addColumn('response_id', 'text', (c) => c.notNull())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('items_pk', ['thread_id', 'seq'])
        .execute();
      await db.schema.createIndex('items_by_item_id').ifNotExists().on('items').columns(['tenant', 'item_id']).execute();
      await db.schema.createTable('event_logs').ifNotExists()
        .addColumn('response_id', 'text', (c) => c.primaryKey())
        .addColumn('events', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createTable('conversations').ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('thread_id', 'text')
        .execute();
      await db.schema.createTable('idempotency_keys').ifNotExists()
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('response_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_pk', ['tenant', 'key'])
        .execute();
      await db.schema.createTable('files').ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('filename', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .execute();
      await sql`select 1`.execute(db);
    },
  },
  ...filesMigrations,
  ...leanWritesMigrations,
  ...conversationsMigrations,
  ...idempotencyMigrations,
  ...containersMigrations,
  ...vectorStoresMigrations,
};
