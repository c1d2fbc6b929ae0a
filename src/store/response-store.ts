/**
 * The response repository for the embedded SQLite store: prepared better-sqlite3 statements, no query
 * builder on the hot path (Kysely still runs the migrations and the low-traffic tables; it cost ~8% CPU per
 * request here, and its async transactions cannot share a group commit). Reads run here; writes are data
 * (sqlite-writes.ts) handed to a Writer — a writer thread for a file database.
 *
 * A response is written once, when it ends: its input and output items, the final Response and its event
 * log, in one transaction shared with the other responses finishing in the same event-loop turn (group
 * commit). While it runs it lives in memory (`live`), where GET finds it. A crash mid-response loses only that
 * unfinished response — never half of a finished one.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Item } from '../api/items.js';
import type { ResponseObject } from '../api/response-object.js';
import { expandEventLog } from './event-log.js';
import { HistoryCache } from './history-cache.js';
import type { RequestContext } from './request-context.js';
import type { Writer } from './sqlite-writer.js';

export interface StoredResponse {
  id: string;
  status: string;
  response: ResponseObject;
  request: Record<string, unknown>;
  thread: { id: string; inputStart: number; outputStart: number; endSeq: number } | null;
}

export interface FinishRecord {
  response: ResponseObject;
  inputItems: Item[];
  outputItems: Item[];
  /** The predecessor this response continues (already loaded when its history was assembled). */
  previous: StoredResponse | null;
  /** The stream's event log as stored (engine/event-log.ts), kept for replay; null when not streamed. */
  eventLog: string | null;
  /**
   * Already serialized by the caller, so it is done once: the Response with `output: []` (its row) and each
   * output item, in `outputItems` order.
   */
  json?: { response: string; output: string[] };
  /** A conversation's turn: its items are appended to the conversation in the same transaction (FinishOp). */
  conversation?: string | null;
}

export interface ItemPage { items: Item[]; hasMore: boolean }

interface ResponseRow {
  id: string; tenant: string; status: string; model: string; created_at: number; updated_at: number;
  previous_response_id: string | null; background: number; thread_id: string | null;
  input_start: number | null; output_start: number | null; end_seq: number | null; request: string; response: string;
}

interface Live {
  tenant: string;
  response: ResponseObject;
  request: Record<string, unknown>;
  /** Stops the run (a DELETE of a running response: it must not be stored when it ends). */
  onDelete: (() => void) | null;
  /** Its final write, while in flight: a DELETE then waits for it and deletes the stored rows. */
  settling: Promise<unknown> | null;
  /** A background response has a row while it runs (queueResponse): a DELETE removes that too. */
  rowWritten: boolean;
}

/** A background response a previous process left unfinished (see ResponsesService.recover). */
export interface UnfinishedResponse { id: string; tenant: string; status: string; request: Record<string, unknown>; response: ResponseObject }

export class ResponseStore {
  private readonly cache = new HistoryCache();
  private readonly live = new Map<string, Live>();
  private readonly q;

  /** Reads run on `db` (the main thread's connection); every write goes through `writer`. */
  constructor(db: BetterSqlite3.Database, private readonly writer: Writer) {
    this.q = {
      // Not the event log (`events`): it can be large, and only replay reads it.
      getResponse: db.prepare(`SELECT id, tenant, status, model, created_at, updated_at, previous_response_id, background,
        thread_id, input_start, output_start, end_seq, request, response FROM responses WHERE id = ? AND tenant = ?`),
      range: db.prepare('SELECT data FROM items WHERE thread_id = ? AND seq >= ? AND seq < ? ORDER BY seq').pluck(),
      // Walk up the forks (each ancestor contributes [base_seq, child's parent_end)), then read the ranges.
      // A thread without a row is a root thread (rows are written lazily: see claimThreadRange).
      history: db.prepare(`WITH RECURSIVE lineage(id, parent_id, parent_end, lo, hi) AS (
          SELECT s.id, t.parent_id, t.parent_end, COALESCE(t.base_seq, 0), s.hi
            FROM (SELECT ? AS hi, ? AS id) s LEFT JOIN threads t ON t.id = s.id
          UNION ALL
          SELECT t.id, t.parent_id, t.parent_end, t.base_seq, l.parent_end FROM threads t JOIN lineage l ON t.id = l.parent_id
        )
        SELECT i.data FROM lineage l JOIN items i ON i.thread_id = l.id AND i.seq >= l.lo AND i.seq < l.hi
        WHERE i.tenant = ? ORDER BY i.seq`).pluck(),
      findItem: db.prepare('SELECT data FROM items WHERE tenant = ? AND item_id = ? ORDER BY rowid DESC LIMIT 1').pluck(),
      itemSeq: db.prepare('SELECT seq FROM items WHERE thread_id = ? AND item_id = ? AND seq >= ? AND seq < ?').pluck(),
      pageAsc: db.prepare('SELECT data FROM items WHERE thread_id = ? AND seq >= ? AND seq < ? AND seq > ? ORDER BY seq ASC LIMIT ?').pluck(),
      pageDesc: db.prepare('SELECT data FROM items WHERE thread_id = ? AND seq >= ? AND seq < ? AND seq < ? ORDER BY seq DESC LIMIT ?').pluck(),
      eventLog: db.prepare('SELECT events FROM responses WHERE id = ? AND tenant = ?').pluck(),
      unfinished: db.prepare(`SELECT id, tenant, status, request, response FROM responses
        WHERE background = 1 AND thread_id IS NULL AND status IN ('queued', 'in_progress') ORDER BY created_at, rowid`),
    };
  }

  /**
   * Registers a running response (in memory: GET sees it while it streams). Every run that registers must end
   * with finishResponse or release, whatever happens to it, or it stays in memory. `onDelete` is called when a
   * DELETE removes it while it runs. `rowWritten`: it has a row already (a background response found queued at
   * start-up), which a DELETE removes too.
   */
  async createResponse(ctx: RequestContext, r: ResponseObject, request: Record<string, unknown>, onDelete: (() => void) | null = null, rowWritten = false): Promise<void> {
    this.live.set(r.id, { tenant: ctx.tenant, response: r, request, onDelete, settling: null, rowWritten });
  }

  /**
   * A background response: registered as createResponse does, and its row written now (status `queued`, the
   * whole request kept so a restarted process can run it), so that it outlives this process.
   */
  async queueResponse(ctx: RequestContext, r: ResponseObject, request: Record<string, unknown>, onDelete: (() => void) | null): Promise<void> {
    const live: Live = { tenant: ctx.tenant, response: r, request, onDelete, settling: null, rowWritten: true };
    this.live.set(r.id, live);
    await this.writer.run({
      op: 'queue', tenant: ctx.tenant,
      response: { id: r.id, status: r.status, model: r.model, created_at: r.created_at, previous_response_id: r.previous_response_id, background: true },
      requestJson: JSON.stringify(request), responseJson: JSON.stringify(r),
    });
  }

  /** A background response's new status (`in_progress`, or `failed` by recovery) on its row; false when it has none. */
  async updateStatus(tenant: string, r: ResponseObject): Promise<boolean> {
    return this.writer.run({ op: 'status', tenant, id: r.id, status: r.status, responseJson: JSON.stringify({ ...r, output: [] }) });
  }

  /** Background responses whose row says they were queued or running: left by a process that stopped. */
  unfinished(): UnfinishedResponse[] {
    return (this.q.unfinished.all() as { id: string; tenant: string; status: string; request: string; response: string }[])
      .filter((row) => !this.live.has(row.id))
      .map((row) => ({ ...row, request: JSON.parse(row.request), response: JSON.parse(row.response) as ResponseObject }));
  }

  /** Forgets a running response without storing it (it failed before it could be stored, or was deleted). */
  release(id: string): void {
    this.live.delete(id);
  }

  /** The ids of the responses running (held in memory): a diagnostic for leak tests. */
  liveIds(): string[] {
    return [...this.live.keys()];
  }

  /**
   * Commits the finished response, its input and output items and its event log in one transaction. The
   * response leaves memory whether or not the write succeeds.
   */
  async finishResponse(ctx: RequestContext, rec: FinishRecord): Promise<void> {
    const live = this.live.get(rec.response.id);
    const write = this.write(ctx, rec, live);
    if (live) live.settling = write;
    try {
      await write;
    } finally {
      if (this.live.get(rec.response.id) === live) this.live.delete(rec.response.id);
    }
  }

  private async write(ctx: RequestContext, rec: FinishRecord, live: Live | undefined): Promise<void> {
    const request = live?.request ?? {};
    // Serialize outside the write lock: the transaction only copies strings.
    const items: { role: 'input' | 'output'; id: string; json: string }[] = [];
    let newBytes = 0;
    const add = (role: 'input' | 'output', item: Item, json: string) => {
      items.push({ role, id: String(item.id), json });
      newBytes += json.length;
    };
    for (const item of rec.inputItems) add('input', item, JSON.stringify(item));
    rec.outputItems.forEach((item, k) => add('output', item, rec.json?.output[k] ?? JSON.stringify(item)));
    const newItems = rec.inputItems.concat(rec.outputItems);
    const r = rec.response;
    const { threadId, start, forkedFrom } = await this.writer.run({
      op: 'finish',
      tenant: ctx.tenant,
      response: { id: r.id, status: r.status, model: r.model, created_at: r.created_at, previous_response_id: r.previous_response_id, background: r.background },
      items,
      inputCount: rec.inputItems.length,
      // The output and the input are stored once, as item rows; the Response and request rows refer to them.
      responseJson: rec.json?.response ?? JSON.stringify({ ...r, output: [] }),
      requestJson: JSON.stringify({ ...request, input: undefined }),
      eventLog: rec.eventLog,
      previous: rec.previous?.thread ? { threadId: rec.previous.thread.id, endSeq: rec.previous.thread.endSeq } : null,
      conversation: rec.conversation ?? null,
      replacesRow: live?.rowWritten,
    });
    if (forkedFrom) {
      const prefix = this.cache.getEntry(forkedFrom.threadId, forkedFrom.endSeq);
      if (prefix) this.cache.set(threadId, prefix.items.concat(newItems), prefix.bytes + newBytes);
    } else if (start === 0) {
      this.cache.set(threadId, newItems, newBytes);
    } else {
      this.cache.append(threadId, start, newItems, newBytes);
    }
  }

  /**
   * A response that is still running (in memory), or a stored one. `withOutput` reads its output items back
   * (one range query); without it `response.output` is empty — enough for chaining and listing.
   */
  async getResponse(ctx: RequestContext, id: string, withOutput = false): Promise<StoredResponse | null> {
    const live = this.live.get(id);
    if (live) {
      if (live.tenant !== ctx.tenant) return null;
      return { id, status: live.response.status, response: live.response, request: live.request, thread: null };
    }
    const row = this.q.getResponse.get(id, ctx.tenant) as ResponseRow | undefined;
    if (!row) return null;
    const stored = toStored(row);
    return withOutput ? this.withOutput(stored) : stored;
  }

  /** Reads a stored response's output items back into `response.output` (one range query). */
  private withOutput(stored: StoredResponse): StoredResponse {
    if (stored.thread) {
      const { id: threadId, outputStart, endSeq } = stored.thread;
      stored.response.output = (this.q.range.all(threadId, outputStart, endSeq) as string[]).map((d) => JSON.parse(d) as Item);
    }
    return stored;
  }

  /** The predecessor's whole context (inputs and outputs of every turn before it), oldest first: one query. */
  async loadHistory(ctx: RequestContext, prev: StoredResponse): Promise<Item[]> {
    if (!prev.thread) return [];
    const { id, endSeq } = prev.thread;
    const cached = this.cache.get(id, endSeq);
    if (cached) return cached;
    const rows = this.q.history.all(endSeq, id, ctx.tenant) as string[];
    const items = rows.map((d) => JSON.parse(d) as Item);
    this.cache.set(id, items, rows.reduce((n, d) => n + d.length, 0));
    return items;
  }

  async listInputItems(_ctx: RequestContext, r: StoredResponse, opts: { limit: number; order: 'asc' | 'desc'; after?: string }): Promise<ItemPage> {
    if (!r.thread) return { items: [], hasMore: false };
    const { id: threadId, inputStart, outputStart } = r.thread;
    let cursor = opts.order === 'asc' ? -1 : Number.MAX_SAFE_INTEGER;
    if (opts.after) {
      const seq = this.q.itemSeq.get(threadId, opts.after, inputStart, outputStart) as number | undefined;
      if (seq === undefined) return { items: [], hasMore: false };
      cursor = seq;
    }
    const stmt = opts.order === 'asc' ? this.q.pageAsc : this.q.pageDesc;
    const rows = stmt.all(threadId, inputStart, outputStart, cursor, opts.limit + 1) as string[];
    return { items: rows.slice(0, opts.limit).map((d) => JSON.parse(d) as Item), hasMore: rows.length > opts.limit };
  }

  /** Resolves `item_reference`s: the newest stored copy of each id. */
  async findItems(ctx: RequestContext, ids: string[]): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    for (const id of new Set(ids)) {
      const data = this.q.findItem.get(ctx.tenant, id) as string | undefined;
      if (data !== undefined) found.set(id, JSON.parse(data) as Item);
    }
    return found;
  }

  /**
   * A stored response's logged stream events after `afterSeq`, snapshots rebuilt from `r` (already read by the
   * caller; its output items are read only when the log has a marker). A running response has no log yet.
   */
  async listEvents(ctx: RequestContext, r: StoredResponse, afterSeq = -1): Promise<Record<string, unknown>[]> {
    // Tenant-scoped, like every read: another tenant's response has no log here.
    const log = this.q.eventLog.get(r.id, ctx.tenant) as string | null | undefined;
    if (!log) return [];
    const events = expandEventLog(log, () => {
      const include = r.request.include;
      return { response: this.withOutput(r).response, includeEncrypted: Array.isArray(include) && include.includes('reasoning.encrypted_content') };
    });
    return events.filter((e) => e.sequence_number > afterSeq);
  }

  /**
   * Deletes the response and its event log. Its items go too, unless a later response continues its thread
   * (their history still needs them); the Response itself is gone either way.
   */
  async deleteResponse(ctx: RequestContext, id: string): Promise<boolean> {
    const live = this.live.get(id);
    if (live && live.tenant === ctx.tenant) {
      if (live.settling) {
        // Its final write is already on its way: let it land, then delete what it stored.
        await live.settling.catch(() => {});
      } else {
        // Still running: its run stops and stores nothing (see ResponsesService), so the delete sticks.
        this.live.delete(id);
        live.onDelete?.();
        if (live.rowWritten) await this.writer.run({ op: 'delete', tenant: ctx.tenant, id });
        return true;
      }
    }
    const { deleted, droppedThread } = await this.writer.run({ op: 'delete', tenant: ctx.tenant, id });
    if (droppedThread) this.cache.drop(droppedThread);
    return deleted;
  }
}

function toStored(row: ResponseRow): StoredResponse {
  return {
    id: row.id,
    status: row.status,
    response: JSON.parse(row.response) as ResponseObject,
    request: JSON.parse(row.request) as Record<string, unknown>,
    thread: row.thread_id === null
      ? null
      : { id: row.thread_id, inputStart: Number(row.input_start), outputStart: Number(row.output_start), endSeq: Number(row.end_seq) },
  };
}
