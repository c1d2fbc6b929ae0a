/**
 * The parts of running responses that a deployment of several processes would replace, behind small
 * interfaces, with the in-process implementation as the default:
 *
 * - RunQueue: where background runs wait for a worker (here: a worker pool in this process; with several
 *   processes, a table polled with `FOR UPDATE SKIP LOCKED`).
 * - LiveRuns: the runs executing here, to follow (replay from a sequence number, then the live events) and to
 *   cancel (here: a map; with several processes, Redis pub/sub or LISTEN/NOTIFY carry events and cancels to
 *   the process that runs it).
 *
 * The event log of a finished run is the store's (ResponseStore.listEvents), and state is the store's rows.
 */
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
