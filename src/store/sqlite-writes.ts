/**
 * Every write the response store makes, as plain data (so it can cross to a writer thread) and the prepared
 * statements that apply it. Used by both writers in sqlite-writer.ts.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { newId } from '../api/ids.js';
import { ConversationWrites, isConversationOp, type ConversationWriteOp, type ConversationWriteResult } from '../conversations/conversation-writes.js';
import { FileWrites, isFileOp, type FileWriteOp, type FileWriteResult } from '../files/file-writes.js';
import { ContainerWrites, isContainerOp, type ContainerWriteOp, type ContainerWriteResult } from '../containers/container-writes.js';
import { IdempotencyWrites, isIdempotencyOp, type IdempotencyWriteOp, type IdempotencyWriteResult } from './idempotency-writes.js';
import { VectorStoreWrites, isVectorStoreOp, type VectorStoreWriteOp, type VectorStoreWriteResult } from '../vector-stores/vector-store-writes.js';

export interface FinishOp {
  op: 'finish';
  tenant: string;
  response: { id: string; status: string; model: string; created_at: number; previous_response_id: string | null; background: boolean };
  /** Input items then output items, already serialized. */
  items: { role: 'input' | 'output'; id: string; json: string }[];
  inputCount: number;
  responseJson: string;
  requestJson: string;
  eventLog: string | null;
  /** The predecessor's thread position, when continuing one. */
  previous: { threadId: string; endSeq: number } | null;
  /**
   * The conversation this response is a turn of: its items are appended there in this same transaction when
   * it completes (or ends incomplete); a failed or cancelled turn appends nothing.
   */
  conversation?: string | null;
  /** A background response: its queued / in-progress row is replaced (in the same transaction). */
  replacesRow?: boolean;
}
export interface DeleteOp { op: 'delete'; tenant: string; id: string }
/**
 * A background response's row before it ends: written when it is queued (with the whole request, input
 * included, so a restart can run it), then its status as it changes. Its items and event log are written
 * only by its `finish`, in one transaction as for any response.
 */
export interface QueueOp { op: 'queue'; tenant: string; response: FinishOp['response']; requestJson: string; responseJson: string }
export interface StatusOp { op: 'status'; tenant: string; id: string; status: string; responseJson: string }
export type WriteOp = FinishOp | DeleteOp | QueueOp | StatusOp | ConversationWriteOp | FileWriteOp | IdempotencyWriteOp | ContainerWriteOp | VectorStoreWriteOp;
/** What a write op answers, by its family: the one table a new family of writes adds a line to. */
export type WriteResult<O extends WriteOp> =
  O extends FinishOp ? FinishResult
  : O extends DeleteOp ? DeleteResult
  : O extends ConversationWriteOp ? ConversationWriteResult
  : O extends FileWriteOp ? FileWriteResult
  : O extends IdempotencyWriteOp ? IdempotencyWriteResult
  : O extends ContainerWriteOp ? ContainerWriteResult
  : O extends VectorStoreWriteOp ? VectorStoreWriteResult
  : boolean; // QueueOp | StatusOp

export interface FinishResult { threadId: string; start: number; forkedFrom: { threadId: string; endSeq: number } | null }
export interface DeleteResult { deleted: boolean; droppedThread: string | null }

export class SqliteWrites {
  private readonly q;
  private readonly conversations: ConversationWrites;
  private readonly files: FileWrites;
  private readonly idempotency: IdempotencyWrites;
  private readonly containers: ContainerWrites;
  private readonly vectorStores: VectorStoreWrites;

  constructor(db: BetterSqlite3.Database) {
    this.conversations = new ConversationWrites(db);
    this.files = new FileWrites(db);
    this.idempotency = new IdempotencyWrites(db);
    this.containers = new ContainerWrites(db);
    this.vectorStores = new VectorStoreWrites(db);
    this.q = {
      insertResponse: db.prepare(`INSERT INTO responses (id, tenant, status, model, created_at, updated_at, previous_response_id,
        background, thread_id, input_start, output_start, end_seq, request, response, events)
        VALUES (@id, @tenant, @status, @model, @created_at, @updated_at, @previous_response_id, @background, @thread_id,
        @input_start, @output_start, @end_seq, @request, @response, @events)`),
      /** A background response's row while it ran: its final row takes its place (a finished row is never replaced). */
      dropUnfinished: db.prepare(`DELETE FROM responses WHERE id = ? AND tenant = ? AND background = 1 AND thread_id IS NULL
        AND status IN ('queued', 'in_progress')`),
      queueResponse: db.prepare(`INSERT INTO responses (id, tenant, status, model, created_at, updated_at, previous_response_id,
        background, request, response) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`),
      // Never on a finished row (a late status must not undo a final write), never re-creates a deleted one.
      updateStatus: db.prepare(`UPDATE responses SET status = ?, response = ?, updated_at = ? WHERE id = ? AND tenant = ?
        AND thread_id IS NULL AND status IN ('queued', 'in_progress')`),
      bumpThread: db.prepare('UPDATE threads SET next_seq = ? WHERE id = ? AND next_seq = ?'),
      insertThread: db.prepare('INSERT INTO threads (id, tenant, next_seq, parent_id, parent_end, base_seq) VALUES (?, ?, ?, ?, ?, ?)'),
      /** A root thread's row, written by its first continuation (its first response writes none). */
      claimRootThread: db.prepare('INSERT INTO threads (id, tenant, next_seq, parent_id, parent_end, base_seq) VALUES (?, ?, ?, NULL, NULL, 0) ON CONFLICT (id) DO NOTHING'),
      insertItem: db.prepare('INSERT INTO items (thread_id, seq, item_id, response_id, tenant, role, data) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      getResponse: db.prepare('SELECT thread_id, end_seq FROM responses WHERE id = ? AND tenant = ?'),
      deleteResponse: db.prepare('DELETE FROM responses WHERE id = ? AND tenant = ?'),
      threadNext: db.prepare('SELECT next_seq FROM threads WHERE id = ?').pluck(),
      deleteItems: db.prepare('DELETE FROM items WHERE thread_id = ? AND response_id = ?'),
    };
  }

  /** Applies one write; runs inside the caller's transaction. */
  apply(op: WriteOp): WriteResult<WriteOp> {
    if (isConversationOp(op)) return this.conversations.apply(op);
    if (isFileOp(op)) return this.files.apply(op);
    if (isIdempotencyOp(op)) return this.idempotency.apply(op);
    if (isContainerOp(op)) return this.containers.apply(op);
    if (isVectorStoreOp(op)) return this.vectorStores.apply(op);
    switch (op.op) {
      case 'finish': return this.finish(op);
      case 'delete': return this.delete(op);
      case 'queue': {
        const r = op.response;
        this.q.queueResponse.run(r.id, op.tenant, r.status, r.model, r.created_at, Date.now(), r.previous_response_id, op.requestJson, op.responseJson);
        return true;
      }
      case 'status':
        return this.q.updateStatus.run(op.status, op.responseJson, Date.now(), op.id, op.tenant).changes === 1;
    }
  }

  private finish(op: FinishOp): FinishResult {
    const r = op.response;
    if (op.replacesRow) this.q.dropUnfinished.run(r.id, op.tenant);
    const claim = this.claimThreadRange(op.tenant, op.previous, op.items.length);
    op.items.forEach((it, k) => this.q.insertItem.run(claim.threadId, claim.start + k, it.id, r.id, op.tenant, it.role, it.json));
    if (op.conversation && (r.status === 'completed' || r.status === 'incomplete')) this.conversations.append(op.tenant, op.conversation, op.items, r.id);
    this.q.insertResponse.run({
      id: r.id, tenant: op.tenant, status: r.status, model: r.model, created_at: r.created_at, updated_at: Date.now(),
      previous_response_id: r.previous_response_id, background: r.background ? 1 : 0, thread_id: claim.threadId,
      input_start: claim.start, output_start: claim.start + op.inputCount, end_seq: claim.start + op.items.length,
      request: op.requestJson, response: op.responseJson, events: op.eventLog,
    });
    return claim;
  }

  /**
   * Appends to the predecessor's thread when it is the tip (compare-and-set on next_seq); otherwise forks:
   * a new thread that refers to the predecessor's thread up to its end (nothing is copied).
   *
   * Thread rows are lazy: a conversation's first response writes none (one B-tree less per commit). A thread
   * without a row therefore holds exactly one response, which is its tip: the first continuation writes the
   * row, and one that finds the row already there is a fork.
   */
  private claimThreadRange(tenant: string, prev: FinishOp['previous'], n: number): FinishResult {
    if (prev) {
      const { threadId: id, endSeq } = prev;
      if (this.q.bumpThread.run(endSeq + n, id, endSeq).changes === 1) return { threadId: id, start: endSeq, forkedFrom: null };
      if (this.q.claimRootThread.run(id, tenant, endSeq + n).changes === 1) return { threadId: id, start: endSeq, forkedFrom: null };
      const forked = newId('thr');
      this.q.insertThread.run(forked, tenant, endSeq + n, id, endSeq, endSeq);
      return { threadId: forked, start: endSeq, forkedFrom: { threadId: id, endSeq } };
    }
    return { threadId: newId('thr'), start: 0, forkedFrom: null };
  }

  /**
   * Deletes the response (its event log is in its row). Its items go too, unless a later response continues its thread
   * (their history still needs them).
   */
  private delete(op: DeleteOp): DeleteResult {
    const row = this.q.getResponse.get(op.id, op.tenant) as { thread_id: string | null; end_seq: number | null } | undefined;
    if (!row) return { deleted: false, droppedThread: null };
    this.q.deleteResponse.run(op.id, op.tenant);
    // No thread row: the thread holds this response only (see claimThreadRange), so it is the tip.
    const next = row.thread_id === null ? undefined : (this.q.threadNext.get(row.thread_id) as number | undefined) ?? row.end_seq;
    if (row.thread_id !== null && next === row.end_seq) {
      this.q.deleteItems.run(row.thread_id, op.id);
      return { deleted: true, droppedThread: row.thread_id };
    }
    return { deleted: true, droppedThread: null };
  }
}
