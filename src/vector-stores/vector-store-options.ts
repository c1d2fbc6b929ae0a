/**
 * What the operator configures for vector stores (YAML `vector_stores:`; the integrator maps the file's keys
 * onto this object, snake_case as in the file). Everything has a default: with none, search is lexical only.
 */

export interface EmbeddingsOptions {
  /** An OpenAI-compatible API root: `POST {base_url}/embeddings` with `{model, input: string[]}`. */
  base_url: string;
  api_key?: string;
  model: string;
  /** Sent as `dimensions` when set (models that can shorten their vectors). */
  dimensions?: number;
  /** Chunks per embeddings request at ingestion. */
  batch_size?: number;
  /** One embeddings request's deadline. */
  timeout_ms?: number;
}

export interface VectorStoreOptions {
  /** The embeddings provider for hybrid ranking; null: BM25 only. */
  embeddings: EmbeddingsOptions | null;
  /** Files ingested at once (extraction, chunking, embedding); the rest wait in order. */
  ingest_concurrency: number;
  /** The share of the vector similarity in a hybrid score (the rest is BM25's); 0..1. */
  vector_weight: number;
}

export const DEFAULT_VECTOR_STORE_OPTIONS: VectorStoreOptions = {
  embeddings: null,
  ingest_concurrency: 2,
  vector_weight: 0.5,
};

export const DEFAULT_EMBEDDING_BATCH = 64;
export const DEFAULT_EMBEDDING_TIMEOUT_MS = 60_000;

export function vectorStoreOptions(partial: Partial<VectorStoreOptions> = {}): VectorStoreOptions {
  return { ...DEFAULT_VECTOR_STORE_OPTIONS, ...partial };
}
