/**
 * Containers (OpenAI's Containers API) and the code interpreter's use of them. A container is a row and its
 * files in the store, plus — while it is in use — a Python interpreter in the sandbox (its variables). It
 * expires after `expires_after.minutes` without activity (running code, adding files); then its interpreter
 * is stopped, its files are dropped, and it answers `status: "expired"`: it can still be retrieved, listed and
 * deleted, but its files are gone (404 `container_expired`) and it cannot run code again (400).
 */
import { createHash, randomBytes } from 'node:crypto';
import { ApiError, notFound } from '../api/errors.js';
import { cleanFilename, type FileService } from '../files/file-service.js';
import type { RequestContext } from '../store/request-context.js';
import { DATA_DIR } from '../tools/code-interpreter/options.js';
import type { PythonSandbox, SandboxImage } from '../tools/code-interpreter/sandbox.js';
import { checkNetworkPolicy, parseCreateContainer, parseFileIds, parseMemoryLimit, type CreateContainerParams, type MemoryLimit } from './container-params.js';
import type { ContainerFileMeta, ContainerRow, ContainerStore, PageQuery } from './container-store.js';

export interface ContainerOptions {
  /** Idle minutes before a container expires when it does not say (OpenAI's default: 20). */
  idleMinutes: number;
  /** Largest file a container takes (upload or copy of a Files API file). */
  maxFileBytes: number;
  /** How often expired containers are swept (interpreter stopped, file bytes dropped). */
  sweepIntervalMs: number;
}

export const DEFAULT_CONTAINER_OPTIONS: ContainerOptions = { idleMinutes: 20, maxFileBytes: 100 * 1024 * 1024, sweepIntervalMs: 60_000 };

export interface ContainerObject {
  id: string;
  object: 'container';
  created_at: number;
  status: 'running' | 'expired';
  expires_after: { anchor: 'last_active_at'; minutes: number };
  last_active_at: number;
  name: string;
  memory_limit: MemoryLimit;
  network_policy: { type: 'disabled' };
}

export interface ContainerFileObject {
  id: string;
  object: 'container.file';
  created_at: number;
  bytes: number;
  container_id: string;
  path: string;
  source: 'user' | 'assistant';
}

export interface ListPage<T> { object: 'list'; data: T[]; first_id: string | null; last_id: string | null; has_more: boolean }

/** `container` of a `code_interpreter` tool: `auto` (or its object form) or an existing container's id. */
export type ContainerSpec = 'auto' | { type: 'auto'; file_ids?: string[]; memory_limit?: string | null; network_policy?: unknown } | string;

export interface ExecuteResult {
  logs: string;
  images: SandboxImage[];
  /** Files the call created or changed under /mnt/data, stored as the container's (`source: "assistant"`). */
  files: ContainerFileObject[];
  error: { type: string; message: string } | null;
  timedOut: boolean;
}

const MEMORY_MB: Record<MemoryLimit, number> = { '1g': 1024, '4g': 4096, '16g': 16384, '64g': 65536 };

export class ContainerService {
  readonly opts: ContainerOptions;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: ContainerStore,
    private readonly files: FileService,
    private readonly sandbox: PythonSandbox,
    opts: Partial<ContainerOptions> = {},
  ) {
    this.opts = { ...DEFAULT_CONTAINER_OPTIONS, ...opts };
  }

  /** Starts the periodic sweep of expired containers. */
  start(): void {
    this.sweeper ??= setInterval(() => { this.sweep().catch(() => {}); }, this.opts.sweepIntervalMs);
    this.sweeper.unref();
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    await this.sandbox.close();
  }

  async create(ctx: RequestContext, body: unknown): Promise<ContainerObject> {
    return present(await this.createRow(ctx, parseCreateContainer(body)), Date.now());
  }

  retrieve(ctx: RequestContext, id: string): ContainerObject {
    return present(this.row(ctx, id), Date.now());
  }

  list(ctx: RequestContext, q: PageQuery & { name?: string }): ListPage<ContainerObject> {
    const now = Date.now();
    const { rows, hasMore } = this.store.list(ctx.tenant, q);
    return page(rows.map((r) => present(r, now)), hasMore);
  }

  async delete(ctx: RequestContext, id: string): Promise<{ id: string; object: 'container.deleted'; deleted: true }> {
    if (!(await this.store.delete(ctx.tenant, id))) throw containerNotFound(id);
    this.sandbox.free(id);
    return { id, object: 'container.deleted', deleted: true };
  }

  /** Adds bytes as a file (`source: "user"`) at /mnt/data/<filename>; a file already at that path gets them. */
  async addFile(ctx: RequestContext, id: string, file: { filename: string; data: Buffer }): Promise<ContainerFileObject> {
    this.live(ctx, id, 'id');
    const stored = await this.put(ctx, id, `${DATA_DIR}/${cleanFilename(file.filename)}`, file.data, 'user');
    await this.store.touch(ctx.tenant, id, Date.now());
    return presentFile(stored);
  }

  /** Copies a Files API file of the tenant into the container. */
  async addFileById(ctx: RequestContext, id: string, fileId: string, param = 'file_id'): Promise<ContainerFileObject> {
    this.live(ctx, id, 'id');
    const content = await this.files.readContent(ctx, fileId);
    if (!content) throw new ApiError(400, `No such File object: ${fileId}`, { param, code: 'file_not_found' });
    if (content.data.length > this.opts.maxFileBytes) throw tooLarge(this.opts.maxFileBytes, param);
    const stored = await this.put(ctx, id, `${DATA_DIR}/${cleanFilename(content.file.filename)}`, content.data, 'user');
    await this.store.touch(ctx.tenant, id, Date.now());
    return presentFile(stored);
  }

  listFiles(ctx: RequestContext, id: string, q: PageQuery): ListPage<ContainerFileObject> {
    this.live(ctx, id, 'container_id', true);
    const { rows, hasMore } = this.store.listFiles(ctx.tenant, id, q);
    return page(rows.map(presentFile), hasMore);
  }

  retrieveFile(ctx: RequestContext, id: string, fileId: string): ContainerFileObject {
    this.live(ctx, id, 'container_id', true);
    return presentFile(this.fileRow(ctx, id, fileId));
  }

  fileContent(ctx: RequestContext, id: string, fileId: string): { file: ContainerFileObject; data: Buffer } {
    this.live(ctx, id, 'container_id', true);
    const file = presentFile(this.fileRow(ctx, id, fileId));
    const data = this.store.fileData(ctx.tenant, id, fileId);
    if (!data) throw containerFileNotFound(fileId);
    return { file, data };
  }

  async deleteFile(ctx: RequestContext, id: string, fileId: string): Promise<{ id: string; object: 'container.file.deleted'; deleted: true }> {
    this.live(ctx, id, 'container_id', true);
    if (!(await this.store.deleteFile(ctx.tenant, id, fileId))) throw containerFileNotFound(fileId);
    return { id: fileId, object: 'container.file.deleted', deleted: true };
  }

  /**
   * The container a `code_interpreter` call runs in. `auto`: the live container `reuseId` names (the one of the
   * conversation's earlier call), with any new `file_ids` added, else a new one. An id: that container, which
   * must be this tenant's and not expired (else ApiError 400).
   */
  async forCall(ctx: RequestContext, spec: ContainerSpec, reuseId: string | null = null): Promise<ContainerObject> {
    const now = Date.now();
    if (typeof spec === 'string' && spec !== 'auto') {
      const row = this.store.get(ctx.tenant, spec);
      if (!row) throw new ApiError(400, `Container '${spec}' was not found.`, { param: 'tools.container', code: 'container_not_found' });
      if (expired(row, now)) throw new ApiError(400, `Container '${spec}' has expired; create a new one or use "auto".`, { param: 'tools.container', code: 'container_expired' });
      await this.store.touch(ctx.tenant, spec, now);
      return present({ ...row, last_active_at: now }, now);
    }
    const auto = typeof spec === 'object' && spec !== null ? spec : { type: 'auto' as const };
    const fileIds = parseFileIds(auto.file_ids, 'tools.container.file_ids');
    const memory = auto.memory_limit === undefined || auto.memory_limit === null ? undefined : parseMemoryLimit(auto.memory_limit, 'tools.container.memory_limit');
    checkNetworkPolicy(auto.network_policy, 'tools.container.network_policy');
    const reuse = reuseId ? this.store.get(ctx.tenant, reuseId) : null;
    if (reuse && !expired(reuse, now)) {
      const have = new Set(this.store.files(ctx.tenant, reuse.id).map((f) => f.path));
      for (const fileId of fileIds) {
        const content = await this.files.readContent(ctx, fileId);
        if (!content) throw new ApiError(400, `No such File object: ${fileId}`, { param: 'tools.container.file_ids', code: 'file_not_found' });
        const path = `${DATA_DIR}/${cleanFilename(content.file.filename)}`;
        if (!have.has(path)) await this.put(ctx, reuse.id, path, content.data, 'user');
      }
      await this.store.touch(ctx.tenant, reuse.id, now);
      return present({ ...reuse, last_active_at: now }, now);
    }
    const row = await this.createRow(ctx, { name: 'code-interpreter', file_ids: fileIds, memory_limit: memory }, 'tools.container.file_ids');
    return present(row, now);
  }

  /** Runs code in the container (see PythonSandbox.run); files it writes under /mnt/data are stored first. */
  async execute(ctx: RequestContext, id: string, code: string, opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<ExecuteResult> {
    const row = this.store.get(ctx.tenant, id);
    if (!row) throw new ApiError(400, `Container '${id}' was not found.`, { param: 'container', code: 'container_not_found' });
    if (expired(row, Date.now())) throw new ApiError(400, `Container '${id}' has expired.`, { param: 'container', code: 'container_expired' });
    await this.store.touch(ctx.tenant, id, Date.now());
    const inputs = this.store.files(ctx.tenant, id).map((f) => ({
      path: f.path,
      sha256: f.sha256,
      bytes: () => this.store.fileData(ctx.tenant, id, f.id) ?? Buffer.alloc(0),
    }));
    const r = await this.sandbox.run(id, code, {
      signal: opts.signal, timeoutMs: opts.timeoutMs, memoryLimitMb: MEMORY_MB[row.memory_limit as MemoryLimit], files: inputs,
    });
    const stored: ContainerFileObject[] = [];
    // Deleted while the code ran: its files have nowhere to go.
    if (!this.store.get(ctx.tenant, id)) return { logs: r.logs, images: r.images, files: stored, error: r.error, timedOut: r.timedOut };
    for (const f of r.files) stored.push(presentFile(await this.put(ctx, id, f.path, f.bytes, 'assistant', f.sha256)));
    await this.store.touch(ctx.tenant, id, Date.now());
    return { logs: r.logs, images: r.images, files: stored, error: r.error, timedOut: r.timedOut };
  }

  /** Stops the interpreters of expired containers and drops their files' bytes. */
  async sweep(now = Date.now()): Promise<void> {
    for (const { containerId } of this.sandbox.live()) if (this.store.isExpired(containerId, now)) this.sandbox.free(containerId);
    await this.store.dropExpiredFiles(now);
  }

  private async createRow(ctx: RequestContext, p: CreateContainerParams, fileIdsParam = 'file_ids'): Promise<ContainerRow> {
    // Every file is read before anything is stored: a bad id stores nothing.
    const copies: { path: string; data: Buffer }[] = [];
    for (const fileId of p.file_ids) {
      const content = await this.files.readContent(ctx, fileId);
      if (!content) throw new ApiError(400, `No such File object: ${fileId}`, { param: fileIdsParam, code: 'file_not_found' });
      if (content.data.length > this.opts.maxFileBytes) throw tooLarge(this.opts.maxFileBytes, fileIdsParam);
      copies.push({ path: `${DATA_DIR}/${cleanFilename(content.file.filename)}`, data: content.data });
    }
    const now = Date.now();
    const row: ContainerRow = {
      id: newContainerId('cntr'), tenant: ctx.tenant, name: p.name, created_at: now, last_active_at: now,
      idle_ms: Math.round((p.minutes ?? this.opts.idleMinutes) * 60_000), memory_limit: p.memory_limit ?? '1g',
    };
    await this.store.insert(row);
    for (const c of copies) await this.put(ctx, row.id, c.path, c.data, 'user');
    return row;
  }

  private put(ctx: RequestContext, id: string, path: string, data: Buffer, source: 'user' | 'assistant', sha256?: string) {
    return this.store.putFile({
      id: newContainerId('cfile'), container_id: id, tenant: ctx.tenant, path, source, bytes: data.length,
      sha256: sha256 ?? createHash('sha256').update(data).digest('hex'), created_at: Date.now(), data,
    });
  }

  private row(ctx: RequestContext, id: string): ContainerRow {
    const row = this.store.get(ctx.tenant, id);
    if (!row) throw containerNotFound(id);
    return row;
  }

  /** The container, which must not have expired (its files are gone then). */
  private live(ctx: RequestContext, id: string, param: string, notFoundWhenExpired = false): ContainerRow {
    const row = this.row(ctx, id);
    if (expired(row, Date.now())) {
      const msg = `Container ${id} has expired; its files are no longer available.`;
      throw notFoundWhenExpired ? notFound(msg, param, 'container_expired') : new ApiError(400, msg, { param, code: 'container_expired' });
    }
    return row;
  }

  private fileRow(ctx: RequestContext, id: string, fileId: string): ContainerFileMeta {
    const f = this.store.file(ctx.tenant, id, fileId);
    if (!f) throw containerFileNotFound(fileId);
    return f;
  }
}

function expired(row: ContainerRow, now: number): boolean {
  return row.last_active_at + row.idle_ms <= now;
}

export function present(row: ContainerRow, now: number): ContainerObject {
  return {
    id: row.id,
    object: 'container',
    created_at: Math.floor(row.created_at / 1000),
    status: expired(row, now) ? 'expired' : 'running',
    expires_after: { anchor: 'last_active_at', minutes: row.idle_ms / 60_000 },
    last_active_at: Math.floor(row.last_active_at / 1000),
    name: row.name,
    memory_limit: row.memory_limit as MemoryLimit,
    network_policy: { type: 'disabled' },
  };
}

export function presentFile(f: ContainerFileMeta): ContainerFileObject {
  return {
    id: f.id, object: 'container.file', created_at: Math.floor(f.created_at / 1000), bytes: f.bytes,
    container_id: f.container_id, path: f.path, source: f.source as 'user' | 'assistant',
  };
}

function page<T extends { id: string }>(data: T[], hasMore: boolean): ListPage<T> {
  return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: hasMore };
}

export function containerNotFound(id: string): ApiError {
  return notFound(`No such Container: ${id}`, 'container_id', 'container_not_found');
}

function containerFileNotFound(id: string): ApiError {
  return notFound(`No such Container File: ${id}`, 'file_id', 'file_not_found');
}

function tooLarge(limit: number, param: string): ApiError {
  return new ApiError(413, `The file exceeds the container file limit of ${limit} bytes.`, { param, code: 'file_too_large' });
}

/** `cntr_…` / `cfile_…`: time-ordered like api/ids.ts (12 hex digits of milliseconds, then 144 random bits). */
function newContainerId(prefix: 'cntr' | 'cfile'): string {
  return `${prefix}_${Date.now().toString(16).padStart(12, '0')}${randomBytes(18).toString('hex')}`;
}
