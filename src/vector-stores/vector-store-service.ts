/**
 * The Vector Stores API and file search over it, per tenant. Creating or attaching answers at once with files
 * `in_progress`; ingestion (ingest-file.ts) runs in the background on a bounded in-process queue, and a file's
 * chunks become searchable together with its `completed` status. Files left `in_progress` by a previous process
 * are ingested again at start-up (`recover`).
 *
 * For the `file_search` tool: `exists(ctx, id)` and `search(ctx, ids, query, opts)`.
 */
import { invalidRequest, notFound, type ApiError } from '../api/errors.js';
import type { FileService } from '../files/file-service.js';
import type { Logger } from '../log/logger.js';
import type { RequestContext } from '../store/request-context.js';
import type { Writer } from '../store/sqlite-writer.js';
import { parseFilter, type AttributeFilter, type Attributes } from './attribute-filter.js';
import { EmbeddingsClient } from './embeddings-client.js';
import { ingestFile } from './ingest-file.js';
import { IngestQueue, type IngestJob } from './ingest-queue.js';
import { keywords, SearchEngine, type SearchHit } from './search-engine.js';
import { vectorStoreOptions, type VectorStoreOptions } from './vector-store-options.js';
import {
  isExpired, listOf, newIngestId, newVectorStoreId, presentBatch, presentFile, presentStore,
  type ListObject, type VectorStoreBatchObject, type VectorStoreFileObject, type VectorStoreObject,
} from './vector-store-objects.js';
import type { AttachParams, ChunkingStrategy, CreateStoreParams, SearchParams, UpdateStoreParams } from './vector-store-params.js';
import type { VectorStoreFileRow, VectorStoreRow } from './vector-store-rows.js';
import type { PageQuery, VectorStoreStore } from './vector-store-store.js';

const DAY_MS = 86_400_000;
/** `last_active_at` is written at most this often by searches (a write per search would cost more than the search). */
const TOUCH_EVERY_MS = 60_000;

export interface SearchResultsPage {
  object: 'vector_store.search_results.page';
  search_query: string[];
  data: { file_id: string; filename: string; score: number; attributes: Attributes | null; content: { type: 'text'; text: string }[] }[];
  has_more: false;
  next_page: null;
}

export interface FileSearchResult { file_id: string; filename: string; score: number; attributes: Attributes | null; text: string; vector_store_id: string }

export interface FileSearchOptions {
  /** Already validated (parseFilter), or raw from a request: validated here, a 400 at `filters`. */
  filters?: AttributeFilter | unknown;
  /** 1..50, default 10. */
  maxNumResults?: number;
  /** 0..1, default 0. */
  scoreThreshold?: number;
}

export class VectorStoreService {
  readonly options: VectorStoreOptions;
  private readonly engine: SearchEngine;
  private readonly queue: IngestQueue;

  constructor(
    private readonly store: VectorStoreStore,
    private readonly writer: Writer,
    private readonly files: FileService,
    private readonly log: Logger,
    options: Partial<VectorStoreOptions> = {},
  ) {
    this.options = vectorStoreOptions(options);
    const embeddings = this.options.embeddings ? new EmbeddingsClient(this.options.embeddings) : null;
    this.engine = new SearchEngine(store, embeddings, this.options.vector_weight, log);
    const deps = { files, writer, embeddings, log, onCompleted: (id: string) => this.engine.changed(id) };
    this.queue = new IngestQueue(Math.max(1, this.options.ingest_concurrency), (job, signal) => ingestFile(deps, job, signal));
  }

  /** Queues the files a previous process left `in_progress`. */
  recover(): number {
    const rows = this.store.inProgressFiles();
    for (const r of rows) this.queue.push(jobOf(r));
    return rows.length;
  }

  /** Resolves when no ingestion waits or runs. */
  idle(): Promise<void> {
    return this.queue.drained();
  }

  close(): void {
    this.queue.close();
  }

  // ── stores ──

  async create(ctx: RequestContext, p: CreateStoreParams): Promise<VectorStoreObject> {
    const now = Date.now();
    const names = await this.resolveFiles(ctx, p.file_ids.map((id, i) => ({ id, param: `file_ids[${i}]` })));
    const row: VectorStoreRow = {
      id: newVectorStoreId('vs'), tenant: ctx.tenant, name: p.name, created_at: now, last_active_at: now,
      metadata: p.metadata ? JSON.stringify(p.metadata) : null, expires_after_days: p.expires_after_days,
      expires_at: p.expires_after_days === null ? null : now + p.expires_after_days * DAY_MS,
    };
    const files = p.file_ids.map((id, i) => fileRow(ctx, row.id, id, names[i], null, null, p.chunking, now));
    await this.writer.run({ op: 'vs.create_store', row, files });
    for (const f of files) this.queue.push(jobOf(f));
    return this.present(row);
  }

  async retrieve(ctx: RequestContext, id: string): Promise<VectorStoreObject> {
    return this.present(this.row(ctx, id));
  }

  async update(ctx: RequestContext, id: string, p: UpdateStoreParams): Promise<VectorStoreObject> {
    const old = this.row(ctx, id);
    const now = Date.now();
    const days = p.expires_after_days === undefined ? old.expires_after_days : p.expires_after_days;
    const row: VectorStoreRow = {
      ...old,
      name: p.name ?? old.name,
      metadata: p.metadata === undefined ? old.metadata : p.metadata === null ? null : JSON.stringify(p.metadata),
      expires_after_days: days,
      last_active_at: now,
      expires_at: days === null ? null : now + days * DAY_MS,
    };
    if (!(await this.writer.run({ op: 'vs.update_store', row })).changed) throw storeNotFound(id);
    return this.present(row);
  }

  async list(ctx: RequestContext, q: PageQuery): Promise<ListObject<VectorStoreObject>> {
    const page = this.store.listStores(ctx.tenant, q);
    return listOf(page.rows.map((r) => this.present(r)), page.hasMore);
  }

  async delete(ctx: RequestContext, id: string): Promise<{ id: string; object: 'vector_store.deleted'; deleted: true }> {
    this.queue.abort((j) => j.storeId === id && j.tenant === ctx.tenant);
    if (!(await this.writer.run({ op: 'vs.delete_store', tenant: ctx.tenant, id })).changed) throw storeNotFound(id);
    this.engine.changed(id);
    return { id, object: 'vector_store.deleted', deleted: true };
  }

  /** Whether the tenant has this vector store (expired ones too). */
  async exists(ctx: RequestContext, id: string): Promise<boolean> {
    return this.store.store(ctx.tenant, id) !== null;
  }

  // ── files ──

  async attachFile(ctx: RequestContext, storeId: string, p: AttachParams): Promise<VectorStoreFileObject> {
    this.row(ctx, storeId);
    const [name] = await this.resolveFiles(ctx, [{ id: p.file_id, param: 'file_id' }]);
    const row = fileRow(ctx, storeId, p.file_id, name, null, p.attributes, p.chunking, Date.now());
    await this.attach(ctx, storeId, [row], null);
    return presentFile(row);
  }

  async listFiles(ctx: RequestContext, storeId: string, q: PageQuery & { status?: string; batchId?: string }): Promise<ListObject<VectorStoreFileObject>> {
    this.row(ctx, storeId);
    const page = this.store.listFiles(storeId, q);
    return listOf(page.rows.map(presentFile), page.hasMore);
  }

  async retrieveFile(ctx: RequestContext, storeId: string, fileId: string): Promise<VectorStoreFileObject> {
    return presentFile(this.fileRow(ctx, storeId, fileId));
  }

  async updateFile(ctx: RequestContext, storeId: string, fileId: string, attributes: Attributes | null): Promise<VectorStoreFileObject> {
    this.fileRow(ctx, storeId, fileId);
    const json = attributes ? JSON.stringify(attributes) : null;
    if (!(await this.writer.run({ op: 'vs.set_attributes', tenant: ctx.tenant, storeId, fileId, attributes: json })).changed) throw fileNotFound(fileId);
    this.engine.attributesChanged(storeId);
    return presentFile(this.fileRow(ctx, storeId, fileId));
  }

  async deleteFile(ctx: RequestContext, storeId: string, fileId: string): Promise<{ id: string; object: 'vector_store.file.deleted'; deleted: true }> {
    this.row(ctx, storeId);
    this.queue.abort((j) => j.storeId === storeId && j.fileId === fileId);
    if (!(await this.writer.run({ op: 'vs.delete_file', tenant: ctx.tenant, storeId, fileId })).changed) throw fileNotFound(fileId);
    this.engine.changed(storeId);
    return { id: fileId, object: 'vector_store.file.deleted', deleted: true };
  }

  /** The parsed text of a completed file (empty while it is being processed or when it failed). */
  async fileContent(ctx: RequestContext, storeId: string, fileId: string) {
    this.fileRow(ctx, storeId, fileId);
    const text = this.store.content(storeId, fileId);
    return {
      object: 'vector_store.file_content.page' as const,
      data: text === null ? [] : [{ type: 'text' as const, text }],
      has_more: false as const,
      next_page: null,
    };
  }

  // ── batches ──

  async createBatch(ctx: RequestContext, storeId: string, files: AttachParams[]): Promise<VectorStoreBatchObject> {
    this.row(ctx, storeId);
    const names = await this.resolveFiles(ctx, files.map((f, i) => ({ id: f.file_id, param: f.param ?? `file_ids[${i}]` })));
    const now = Date.now();
    const batch = { id: newVectorStoreId('vsfb'), vector_store_id: storeId, tenant: ctx.tenant, created_at: now, cancelled: 0 };
    const rows = files.map((f, i) => fileRow(ctx, storeId, f.file_id, names[i], batch.id, f.attributes, f.chunking, now));
    await this.attach(ctx, storeId, rows, batch);
    return presentBatch(batch, this.store.batchCounts(batch.id));
  }

  async retrieveBatch(ctx: RequestContext, storeId: string, batchId: string): Promise<VectorStoreBatchObject> {
    return presentBatch(this.batchRow(ctx, storeId, batchId), this.store.batchCounts(batchId));
  }

  async cancelBatch(ctx: RequestContext, storeId: string, batchId: string): Promise<VectorStoreBatchObject> {
    this.batchRow(ctx, storeId, batchId);
    const inBatch = new Set(this.store.listFiles(storeId, { limit: 100_000, order: 'asc', batchId, status: 'in_progress' }).rows.map((r) => r.file_id));
    await this.writer.run({ op: 'vs.cancel_batch', tenant: ctx.tenant, storeId, batchId });
    this.queue.abort((j) => j.storeId === storeId && inBatch.has(j.fileId));
    return this.retrieveBatch(ctx, storeId, batchId);
  }

  async listBatchFiles(ctx: RequestContext, storeId: string, batchId: string, q: PageQuery & { status?: string }): Promise<ListObject<VectorStoreFileObject>> {
    this.batchRow(ctx, storeId, batchId);
    return this.listFiles(ctx, storeId, { ...q, batchId });
  }

  // ── search ──

  /** `POST /vector_stores/{id}/search`. */
  async searchPage(ctx: RequestContext, storeId: string, p: SearchParams): Promise<SearchResultsPage> {
    const row = this.searchable(ctx, storeId, 'vector_store_id');
    const hits = await this.engine.search([row.id], p.queries, { filter: p.filters, maxResults: p.max_num_results, scoreThreshold: p.score_threshold });
    await this.touch([row]);
    return {
      object: 'vector_store.search_results.page',
      search_query: p.rewrite_query ? p.queries.map((q) => keywords(q).join(' ')) : p.queries,
      data: hits.map((h) => ({ file_id: h.file_id, filename: h.filename, score: h.score, attributes: h.attributes, content: [{ type: 'text', text: h.text }] })),
      has_more: false,
      next_page: null,
    };
  }

  /**
   * File search across several of the tenant's stores, best first (one ranking, so scores compare across
   * stores). An unknown store is a 404 at `vector_store_ids[i]`, an expired one a 400 there; check `exists`
   * first to answer otherwise.
   */
  async search(ctx: RequestContext, vectorStoreIds: string[], query: string | string[], opts: FileSearchOptions = {}): Promise<FileSearchResult[]> {
    const rows = [...new Set(vectorStoreIds)].map((id, i) => this.searchable(ctx, id, `vector_store_ids[${i}]`));
    const queries = (Array.isArray(query) ? query : [query]).filter((q) => typeof q === 'string' && q.trim());
    if (!queries.length || !rows.length) return [];
    const filter = opts.filters === undefined || opts.filters === null ? null : parseFilter(opts.filters, 'filters');
    const maxResults = Math.min(50, Math.max(1, Math.floor(opts.maxNumResults ?? 10)));
    const hits: SearchHit[] = await this.engine.search(rows.map((r) => r.id), queries, { filter, maxResults, scoreThreshold: opts.scoreThreshold ?? 0 });
    await this.touch(rows);
    return hits.map((h) => ({ file_id: h.file_id, filename: h.filename, score: h.score, attributes: h.attributes, text: h.text, vector_store_id: h.vector_store_id }));
  }

  // ── helpers ──

  private present(row: VectorStoreRow): VectorStoreObject {
    const { counts, usageBytes } = this.store.counts(row.id);
    return presentStore(row, counts, usageBytes);
  }

  private row(ctx: RequestContext, id: string): VectorStoreRow {
    const row = this.store.store(ctx.tenant, id);
    if (!row) throw storeNotFound(id);
    return row;
  }

  private searchable(ctx: RequestContext, id: string, param: string): VectorStoreRow {
    const row = this.store.store(ctx.tenant, id);
    if (!row) throw notFound(`No vector store found with id '${id}'.`, param, 'vector_store_not_found');
    if (isExpired(row)) throw invalidRequest(`Vector store '${id}' has expired.`, param, 'vector_store_expired');
    return row;
  }

  private fileRow(ctx: RequestContext, storeId: string, fileId: string): VectorStoreFileRow {
    this.row(ctx, storeId);
    const f = this.store.file(storeId, fileId);
    if (!f) throw fileNotFound(fileId);
    return f;
  }

  private batchRow(ctx: RequestContext, storeId: string, batchId: string) {
    this.row(ctx, storeId);
    const b = this.store.batch(storeId, batchId);
    if (!b) throw notFound(`No file batch found with id '${batchId}'.`, 'batch_id', 'not_found');
    return b;
  }

  /** The Files API names of the tenant's files; an unknown one is a 404 at its place in the request. */
  private async resolveFiles(ctx: RequestContext, ids: { id: string; param: string }[]): Promise<string[]> {
    const out: string[] = [];
    for (const { id, param } of ids) {
      const f = await this.files.retrieve(ctx, id).catch(() => null);
      if (!f) throw notFound(`No file found with id '${id}'.`, param, 'file_not_found');
      out.push(f.filename);
    }
    return out;
  }

  private async attach(ctx: RequestContext, storeId: string, rows: VectorStoreFileRow[], batch: Parameters<typeof presentBatch>[0] | null) {
    // A re-attached file starts over: its running ingestion is stopped and its old chunks go in the write.
    const ids = new Set(rows.map((r) => r.file_id));
    this.queue.abort((j) => j.storeId === storeId && ids.has(j.fileId));
    if (!(await this.writer.run({ op: 'vs.attach_files', tenant: ctx.tenant, storeId, rows, batch })).changed) throw storeNotFound(storeId);
    this.engine.changed(storeId);
    for (const r of rows) this.queue.push(jobOf(r));
  }

  private async touch(rows: VectorStoreRow[]) {
    const now = Date.now();
    for (const r of rows) {
      if (now - r.last_active_at < TOUCH_EVERY_MS) continue;
      const expires = r.expires_after_days === null ? null : now + r.expires_after_days * DAY_MS;
      await this.writer.run({ op: 'vs.touch', id: r.id, last_active_at: now, expires_at: expires }).catch(() => {});
    }
  }
}

function fileRow(
  ctx: RequestContext, storeId: string, fileId: string, filename: string, batchId: string | null,
  attributes: Attributes | null, chunking: ChunkingStrategy, now: number,
): VectorStoreFileRow {
  return {
    vector_store_id: storeId, file_id: fileId, tenant: ctx.tenant, batch_id: batchId, filename, created_at: now, status: 'in_progress',
    last_error: null, attributes: attributes ? JSON.stringify(attributes) : null,
    chunking: JSON.stringify({ type: 'static', static: chunking }), usage_bytes: 0, ingest_id: newIngestId(),
  };
}

function jobOf(r: VectorStoreFileRow): IngestJob {
  return { tenant: r.tenant, storeId: r.vector_store_id, fileId: r.file_id, ingestId: r.ingest_id, chunking: r.chunking };
}

export function storeNotFound(id: string): ApiError {
  return notFound(`No vector store found with id '${id}'.`, 'vector_store_id', 'vector_store_not_found');
}

function fileNotFound(id: string): ApiError {
  return notFound(`No file found with id '${id}' in this vector store.`, 'file_id', 'file_not_found');
}
