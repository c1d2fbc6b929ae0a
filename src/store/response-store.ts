/**
 * The response repository: one class, Kysely queries only, so the SQLite and PostgreSQL dialects share it.
 * A response is written twice: a small `in_progress` row when accepted (so GET works while it streams), then
 * everything else — items, final Response, event log — in ONE transaction when it ends. A crash between the
 * two leaves an `in_progress` row and nothing half-written.
 */
import type { Kysely, Transaction } from 'kysely';
import { newId } from '../api/ids.js';
import type { Item } from '../api/items.js';
import type { ResponseObject } from '../api/response-object.js';
import type { StreamEvent } from '../engine/response-builder.js';
import type { RequestContext } from './request-context.js';
import type { Database, ResponsesTable } from './schema.js';

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
  /** The stream's event log, kept for replay; empty when the request was not streamed. */
  events: StreamEvent[];
}

export interface ItemPage { items: Item[]; hasMore: boolean }

const CHUNK = 200;

export class ResponseStore {
  constructor(readonly db: Kysely<Database>) {}

  async createResponse(ctx: RequestContext, r: ResponseObject, request: Record<string, unknown>): Promise<void> {
    const now = Date.now();
    await this.db.insertInto('responses').values({
      id: r.id,
      tenant: ctx.tenant,
      status: r.status,
      model: r.model,
      created_at: r.created_at,
      updated_at: now,
      previous_response_id: r.previous_response_id,
      background: r.background ? 1 : 0,
      thread_id: null,
      input_start: null,
      output_start: null,
      end_seq: null,
      request: JSON.stringify(request),
      response: JSON.stringify(r),
    }).execute();
  }

  /** Commits the finished response, its input and output items and its event log in one transaction. */
  async finishResponse(ctx: RequestContext, rec: FinishRecord): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const n = rec.inputItems.length + rec.outputItems.length;
      const { threadId, start } = await this.claimThreadRange(trx, ctx, rec.previous, n);
      const rows = [...rec.inputItems.map((i) => ['input', i] as const), ...rec.outputItems.map((i) => ['output', i] as const)]
        .map(([role, item], k) => ({
          thread_id: threadId,
          seq: start + k,
          item_id: String(item.id),
          response_id: rec.response.id,
          tenant: ctx.tenant,
          role,
          data: JSON.stringify(item),
        }));
      for (let i = 0; i < rows.length; i += CHUNK) await trx.insertInto('items').values(rows.slice(i, i + CHUNK)).execute();
      await trx.updateTable('responses').set({
        status: rec.response.status,
        model: rec.response.model,
        updated_at: Date.now(),
        thread_id: threadId,
        input_start: start,
        output_start: start + rec.inputItems.length,
        end_seq: start + n,
        response: JSON.stringify(rec.response),
      }).where('id', '=', rec.response.id).where('tenant', '=', ctx.tenant).execute();
      const events = rec.events.map((e) => ({ response_id: rec.response.id, seq: e.sequence_number, type: e.type, data: JSON.stringify(e) }));
      for (let i = 0; i < events.length; i += CHUNK) await trx.insertInto('events').values(events.slice(i, i + CHUNK)).execute();
    });
  }

  /**
   * Appends to the predecessor's thread when it is the tip (compare-and-set on next_seq); otherwise forks:
   * a new thread starting with a copy of the predecessor's whole history, made in one INSERT … SELECT.
   */
  private async claimThreadRange(trx: Transaction<Database>, ctx: RequestContext, prev: StoredResponse | null, n: number) {
    if (prev?.thread) {
      const { id, endSeq } = prev.thread;
      const res = await trx.updateTable('threads').set({ next_seq: endSeq + n })
        .where('id', '=', id).where('next_seq', '=', endSeq).executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) return { threadId: id, start: endSeq };
      const forked = newId('thr');
      await trx.insertInto('threads').values({ id: forked, tenant: ctx.tenant, next_seq: endSeq + n }).execute();
      await trx.insertInto('items').columns(['thread_id', 'seq', 'item_id', 'response_id', 'tenant', 'role', 'data'])
        .expression((eb) => eb.selectFrom('items')
          .select((s) => [s.val(forked).as('thread_id'), 'seq', 'item_id', 'response_id', 'tenant', 'role', 'data'])
          .where('thread_id', '=', id).where('seq', '<', endSeq))
        .execute();
      return { threadId: forked, start: endSeq };
    }
    const threadId = newId('thr');
    await trx.insertInto('threads').values({ id: threadId, tenant: ctx.tenant, next_seq: n }).execute();
    return { threadId, start: 0 };
  }

  /** Updates only the Response object (status changes of a response that has not finished). */
  async updateResponse(ctx: RequestContext, r: ResponseObject): Promise<void> {
    await this.db.updateTable('responses').set({ status: r.status, updated_at: Date.now(), response: JSON.stringify(r) })
      .where('id', '=', r.id).where('tenant', '=', ctx.tenant).execute();
  }

  async getResponse(ctx: RequestContext, id: string): Promise<StoredResponse | null> {
    const row = await this.db.selectFrom('responses').selectAll().where('id', '=', id).where('tenant', '=', ctx.tenant).executeTakeFirst();
    return row ? toStored(row) : null;
  }

  /** The predecessor's whole context (inputs and outputs of every turn before it), oldest first: one query. */
  async loadHistory(ctx: RequestContext, prev: StoredResponse): Promise<Item[]> {
    if (!prev.thread) return [];
    const rows = await this.db.selectFrom('items').select('data')
      .where('thread_id', '=', prev.thread.id).where('seq', '<', prev.thread.endSeq).where('tenant', '=', ctx.tenant)
      .orderBy('seq', 'asc').execute();
    return rows.map((r) => JSON.parse(r.data) as Item);
  }

  async listInputItems(ctx: RequestContext, r: StoredResponse, opts: { limit: number; order: 'asc' | 'desc'; after?: string }): Promise<ItemPage> {
    if (!r.thread) return { items: [], hasMore: false };
    const { id: threadId, inputStart, outputStart } = r.thread;
    let q = this.db.selectFrom('items').select(['seq', 'data'])
      .where('thread_id', '=', threadId).where('seq', '>=', inputStart).where('seq', '<', outputStart);
    if (opts.after) {
      const cursor = await this.db.selectFrom('items').select('seq')
        .where('thread_id', '=', threadId).where('item_id', '=', opts.after)
        .where('seq', '>=', inputStart).where('seq', '<', outputStart).executeTakeFirst();
      if (!cursor) return { items: [], hasMore: false };
      q = q.where('seq', opts.order === 'asc' ? '>' : '<', cursor.seq);
    }
    const rows = await q.orderBy('seq', opts.order).limit(opts.limit + 1).execute();
    return { items: rows.slice(0, opts.limit).map((x) => JSON.parse(x.data) as Item), hasMore: rows.length > opts.limit };
  }

  /** Resolves `item_reference`s: the newest stored copy of each id. */
  async findItems(ctx: RequestContext, ids: string[]): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    if (!ids.length) return found;
    const rows = await this.db.selectFrom('items').select(['item_id', 'data'])
      .where('tenant', '=', ctx.tenant).where('item_id', 'in', ids).orderBy('seq', 'asc').execute();
    for (const r of rows) found.set(r.item_id, JSON.parse(r.data) as Item);
    return found;
  }

  async listEvents(ctx: RequestContext, id: string, afterSeq = -1): Promise<Record<string, unknown>[]> {
    const owner = await this.db.selectFrom('responses').select('id').where('id', '=', id).where('tenant', '=', ctx.tenant).executeTakeFirst();
    if (!owner) return [];
    const rows = await this.db.selectFrom('events').select('data').where('response_id', '=', id).where('seq', '>', afterSeq).orderBy('seq', 'asc').execute();
    return rows.map((r) => JSON.parse(r.data) as Record<string, unknown>);
  }

  /**
   * Deletes the response and its event log. Its items go too, unless a later response continues its thread
   * (their history still needs them); the Response itself is gone either way.
   */
  async deleteResponse(ctx: RequestContext, id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('responses').select(['thread_id', 'end_seq']).where('id', '=', id).where('tenant', '=', ctx.tenant).executeTakeFirst();
      if (!row) return false;
      await trx.deleteFrom('responses').where('id', '=', id).execute();
      await trx.deleteFrom('events').where('response_id', '=', id).execute();
      if (row.thread_id !== null) {
        const thread = await trx.selectFrom('threads').select('next_seq').where('id', '=', row.thread_id).executeTakeFirst();
        if (thread && thread.next_seq === row.end_seq) {
          await trx.deleteFrom('items').where('thread_id', '=', row.thread_id).where('response_id', '=', id).execute();
        }
      }
      return true;
    });
  }
}

function toStored(row: ResponsesTable): StoredResponse {
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
