/** Rows of the `0006_vector_stores` tables (migrations-vector-stores.ts) as the store reads and writes them. */

export interface VectorStoreRow {
  id: string;
  tenant: string;
  name: string;
  /** Milliseconds since the epoch (so are the other times). */
  created_at: number;
  last_active_at: number;
  /** JSON object or null. */
  metadata: string | null;
  expires_after_days: number | null;
  expires_at: number | null;
}

export type VectorStoreFileStatus = 'in_progress' | 'completed' | 'cancelled' | 'failed';

export interface VectorStoreFileRow {
  vector_store_id: string;
  file_id: string;
  tenant: string;
  batch_id: string | null;
  filename: string;
  created_at: number;
  status: VectorStoreFileStatus;
  /** JSON `{code, message}` or null. */
  last_error: string | null;
  /** JSON object or null. */
  attributes: string | null;
  /** JSON `{type: 'static', static: {max_chunk_size_tokens, chunk_overlap_tokens}}`. */
  chunking: string;
  usage_bytes: number;
  /** Which ingestion attempt may complete this row (a re-attach or cancel starts another or none). */
  ingest_id: string;
}

export interface VectorStoreBatchRow {
  id: string;
  vector_store_id: string;
  tenant: string;
  created_at: number;
  cancelled: number;
}

/** A chunk as ingestion hands it to the writer. */
export interface ChunkInput {
  text: string;
  /** Float32 vector bytes (a Buffer here; a Uint8Array after crossing to the writer thread). */
  embedding: Uint8Array | null;
}

export interface FileCounts { in_progress: number; completed: number; failed: number; cancelled: number; total: number }
