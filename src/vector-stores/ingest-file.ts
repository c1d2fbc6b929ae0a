/**
 * One file's ingestion: its bytes from the Files API → text → chunks → (embeddings) → one write that stores the
 * chunks and marks the file `completed`, or marks it `failed` with `last_error {code, message}`.
 */
import type { FileService } from '../files/file-service.js';
import type { Logger } from '../log/logger.js';
import type { Writer } from '../store/sqlite-writer.js';
import { chunkText } from './chunk-text.js';
import { EmbeddingsError, toBlob, type EmbeddingsClient } from './embeddings-client.js';
import { ExtractionError, extractText } from './extract-text.js';
import type { IngestJob } from './ingest-queue.js';
import type { ChunkingStrategy } from './vector-store-params.js';
import type { ChunkInput } from './vector-store-rows.js';

export interface IngestDeps {
  files: FileService;
  writer: Writer;
  embeddings: EmbeddingsClient | null;
  log: Logger;
  /** Called when the file's chunks were stored. */
  onCompleted(storeId: string): void;
}

export async function ingestFile(deps: IngestDeps, job: IngestJob, signal: AbortSignal): Promise<void> {
  const fail = (code: string, message: string) =>
    deps.writer.run({ op: 'vs.fail_file', storeId: job.storeId, fileId: job.fileId, ingestId: job.ingestId, error: JSON.stringify({ code, message }) });
  try {
    const file = await deps.files.readContent({ requestId: 'vector-store-ingest', tenant: job.tenant, keyId: null }, job.fileId);
    if (!file) return void (await fail('invalid_file', `The file ${job.fileId} no longer exists.`));
    const text = await extractText(file.data, file.file.filename, file.contentType);
    if (signal.aborted) return;
    const strategy = (JSON.parse(job.chunking) as { static: ChunkingStrategy }).static;
    const texts = await chunkText(text, strategy);
    if (signal.aborted) return;
    let vectors: Float32Array[] | null = null;
    if (deps.embeddings && texts.length) vectors = await deps.embeddings.embed(texts, signal);
    const chunks: ChunkInput[] = texts.map((t, i) => ({ text: t, embedding: vectors ? toBlob(vectors[i]) : null }));
    const usage = chunks.reduce((n, c) => n + Buffer.byteLength(c.text) + (c.embedding?.byteLength ?? 0), 0);
    const { changed } = await deps.writer.run({
      op: 'vs.complete_file', storeId: job.storeId, fileId: job.fileId, ingestId: job.ingestId, chunks, content: text, usage_bytes: usage,
    });
    if (changed) deps.onCompleted(job.storeId);
  } catch (err) {
    if (signal.aborted) return;
    if (err instanceof ExtractionError) return void (await fail(err.code, err.message).catch(() => {}));
    if (err instanceof EmbeddingsError) return void (await fail('server_error', `The file could not be embedded: ${err.message}.`).catch(() => {}));
    deps.log.warn({ vector_store_id: job.storeId, file_id: job.fileId, err: String((err as Error)?.stack ?? err) }, 'vector store ingestion failed');
    await fail('server_error', 'The file could not be processed.').catch(() => {});
  }
}
