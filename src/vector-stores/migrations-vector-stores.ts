/**
 * `0006_vector_stores`: the Vector Stores API and the chunks file search ranks.
 *
 * - `vector_stores`: one row per store; times in MILLISECONDS (the API shows seconds).
 * - `vector_store_files`: a Files API file attached to a store, with its ingestion state. `ingest_id` names the
 *   ingestion attempt: a job that finishes after its file was detached, re-attached or cancelled writes nothing.
 *   `content` keeps the extracted text (`GET …/files/{id}/content`), so the Files API file may go away.
 * - `vector_chunks`: the chunks of completed files (a file's chunks are written with its `completed` status, in
 *   one transaction, so a search never sees half a file), with the embedding as a Float32 BLOB when an
 *   embeddings provider is configured.
 * - `vector_chunks_fts`: an FTS5 index over `vector_chunks.text` (external content: the text is stored once),
 *   kept in step by triggers. Porter stemming: "policies" finds "policy".
 *
 * FTS5 is SQLite's: this migration is SQLite-only, like the rest of the lexical search.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const vectorStoresMigration: Migration = {
  async up(db: Kysely<any>) {
    await sql`CREATE TABLE IF NOT EXISTS vector_stores (
      id TEXT PRIMARY KEY,
      tenant TEXT NOT NULL,
      name TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      last_active_at INTEGER NOT NULL,
      metadata TEXT,
      expires_after_days INTEGER,
      expires_at INTEGER
    )`.execute(db);
    await sql`CREATE INDEX IF NOT EXISTS vector_stores_by_tenant_created ON vector_stores (tenant, created_at, id)`.execute(db);
    await sql`CREATE TABLE IF NOT EXISTS vector_store_files (
      vector_store_id TEXT NOT NULL,
      file_id TEXT NOT NULL,
      tenant TEXT NOT NULL,
      batch_id TEXT,
      filename TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      status TEXT NOT NULL,
      last_error TEXT,
      attributes TEXT,
      chunking TEXT NOT NULL,
      usage_bytes INTEGER NOT NULL DEFAULT 0,
      ingest_id TEXT NOT NULL,
      content TEXT,
      PRIMARY KEY (vector_store_id, file_id)
    )`.execute(db);
    await sql`CREATE INDEX IF NOT EXISTS vector_store_files_by_created ON vector_store_files (vector_store_id, created_at, file_id)`.execute(db);
    await sql`CREATE INDEX IF NOT EXISTS vector_store_files_by_batch ON vector_store_files (batch_id) WHERE batch_id IS NOT NULL`.execute(db);
    await sql`CREATE INDEX IF NOT EXISTS vector_store_files_in_progress ON vector_store_files (status) WHERE status = 'in_progress'`.execute(db);
    await sql`CREATE TABLE IF NOT EXISTS vector_store_file_batches (
      id TEXT PRIMARY KEY,
      vector_store_id TEXT NOT NULL,
      tenant TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      cancelled INTEGER NOT NULL DEFAULT 0
    )`.execute(db);
    await sql`CREATE TABLE IF NOT EXISTS vector_chunks (
      id INTEGER PRIMARY KEY,
      vector_store_id TEXT NOT NULL,
      file_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      text TEXT NOT NULL,
      embedding BLOB
    )`.execute(db);
    await sql`CREATE INDEX IF NOT EXISTS vector_chunks_by_file ON vector_chunks (vector_store_id, file_id, seq)`.execute(db);
    await sql`CREATE VIRTUAL TABLE IF NOT EXISTS vector_chunks_fts USING fts5(
      text, content='vector_chunks', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
    )`.execute(db);
    await sql`CREATE TRIGGER IF NOT EXISTS vector_chunks_ai AFTER INSERT ON vector_chunks BEGIN
      INSERT INTO vector_chunks_fts (rowid, text) VALUES (new.id, new.text);
    END`.execute(db);
    await sql`CREATE TRIGGER IF NOT EXISTS vector_chunks_ad AFTER DELETE ON vector_chunks BEGIN
      INSERT INTO vector_chunks_fts (vector_chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END`.execute(db);
  },
};

/** Spread into `migrations` in `store/schema.ts`. */
export const vectorStoresMigrations: Record<string, Migration> = { '0006_vector_stores': vectorStoresMigration };
