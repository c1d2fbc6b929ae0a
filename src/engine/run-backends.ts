/**
 * The parts of running responses that a deployment of several processes (several Switchboard processes on one
 * PostgreSQL database) would replace, behind small interfaces, with the SQLite / in-process implementation as
 * the default. The engine (ResponsesService, Run) reaches runs only through these:
 *
 * - RunQueue: where background runs wait for a worker (here: a worker pool in this process; PostgreSQL: a
 *   table polled with `FOR UPDATE SKIP LOCKED`).
 * - LiveRuns: the runs executing here, to follow from a sequence number and then live (here: a map; Redis
 *   pub/sub or LISTEN/NOTIFY would carry a run's events to followers in other processes).
 * - EventLogStore: a finished run's persisted event log, for replay (here: the SQLite row, ResponseStore's
 *   listEvents; PostgreSQL: the same row in its table).
 * - RunCancellation: "stop run X for reason R" (here: a map of this process's runs; LISTEN/NOTIFY or Redis
 *   would deliver the request to whichever process runs X).
 * - ConversationLocks (conversations/conversation-lock.ts): one turn at a time per conversation (here: an
 *   in-process queue; PostgreSQL: an advisory lock).
 * - IdempotencyStore (store/idempotency-store.ts): idempotency records (here: SQLite; PostgreSQL: the same table).
 *
 * State itself (responses, items, conversations) is the store's rows.
 */
import type { RequestContext } from '../store/request-context.js';
import type { StoredResponse } from '../store/response-store.js';
import type { Run, RunSubscriber } from './run.js';

export interface RunQueue {
  /** Queues a job under the run's id; it runs when a worker is free (first in, first out). */
  push(id: string, job: () => Promise<unknown>): void;
  /** Takes a job out of the queue before it started (cancelled or deleted): the caller runs it, or not. */
  take(id: string): (() => Promise<unknown>) | null;
  /** Stops starting jobs (shutdown) and returns the ids of those still waiting. */
  close(): string[];
  readonly waiting: number;
  readonly running: number;
}

/** A stored response's persisted stream events, for a replay (`starting_after`). */
export interface EventLogStore {
  /** The events after `afterSeq` of `response` (read by the caller, tenant-scoped); none while it runs. */
  read(ctx: RequestContext, response: StoredResponse, afterSeq: number): Promise<Record<string, unknown>[]>;
}

/** Why a run is asked to stop: a client's cancel (stored `cancelled`), or a DELETE of it (stored nowhere). */
export type CancelReason = 'cancel' | 'deleted';

/**
 * "Stop run X for reason R", delivered to whichever process runs X. The process running a run registers a
 * handler for it while it runs; anyone may request.
 */
export interface RunCancellation {
  /** Asks the run's process to stop it; true when a run of that id was there to ask. */
  request(id: string, reason: CancelReason): boolean | Promise<boolean>;
  /** Handles requests for run `id` (in this process) until the returned function is called. */
  onRequest(id: string, handler: (reason: CancelReason) => void): () => void;
}

export interface LiveRuns {
  add(run: Run): void;
  remove(run: Run): void;
  get(id: string): Run | undefined;
  /** Follows a run from after `startingAfter`; null when no run of that id makes events here. */
  follow(id: string, startingAfter: number, sub: RunSubscriber): { unsubscribe(): void } | null;
}

/** A fixed number of workers in this process. */
export class WorkerPool implements RunQueue {
  private readonly queue = new Map<string, () => Promise<unknown>>();
  private active = 0;
  private closed = false;

  constructor(private readonly size: number) {}

  get waiting(): number {
    return this.queue.size;
  }

  get running(): number {
    return this.active;
  }

  push(id: string, job: () => Promise<unknown>): void {
    if (this.closed) return;
    this.queue.set(id, job);
    this.pump();
  }

  take(id: string): (() => Promise<unknown>) | null {
    const job = this.queue.get(id);
    if (!job) return null;
    this.queue.delete(id);
    return job;
  }

  close(): string[] {
    this.closed = true;
    const ids = [...this.queue.keys()];
    this.queue.clear();
    return ids;
  }

  private pump(): void {
    while (!this.closed && this.active < this.size && this.queue.size) {
      const [id, job] = this.queue.entries().next().value as [string, () => Promise<unknown>];
      this.queue.delete(id);
      this.active++;
      job().catch(() => {}).finally(() => {
        this.active--;
        this.pump();
      });
    }
  }
}

/** The runs of this process, by id. */
export class InProcessRuns implements LiveRuns {
  private readonly runs = new Map<string, Run>();

  add(run: Run): void {
    this.runs.set(run.id, run);
  }

  remove(run: Run): void {
    if (this.runs.get(run.id) === run) this.runs.delete(run.id);
  }

  get(id: string): Run | undefined {
    return this.runs.get(id);
  }

  follow(id: string, startingAfter: number, sub: RunSubscriber): { unsubscribe(): void } | null {
    const run = this.runs.get(id);
    if (!run || !run.subscribe(startingAfter, sub)) return null;
    return { unsubscribe: () => run.unsubscribe(sub) };
  }
}

/** Cancellation within this process: a request reaches the handler its run registered here. */
export class InProcessCancellation implements RunCancellation {
  private readonly handlers = new Map<string, (reason: CancelReason) => void>();

  request(id: string, reason: CancelReason): boolean {
    const handler = this.handlers.get(id);
    if (!handler) return false;
    handler(reason);
    return true;
  }

  onRequest(id: string, handler: (reason: CancelReason) => void): () => void {
    this.handlers.set(id, handler);
    return () => {
      if (this.handlers.get(id) === handler) this.handlers.delete(id);
    };
  }
}
