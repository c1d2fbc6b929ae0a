/**
 * Group commit for SQLite: writes queued during one event-loop turn share one transaction (one WAL commit).
 * One failing write never takes the others down: the batch is then replayed one transaction per write.
 * Under load this turns N commits into one; alone, a write waits no more than a `setImmediate`.
 */
import type BetterSqlite3 from 'better-sqlite3';

export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Runs `writes` in one transaction, no savepoints (two statements less per write). If any throws, that
 * transaction rolls back as a whole and each write runs again in a transaction of its own, so one bad write
 * fails alone. Writes are pure functions of their inputs, so running one twice is safe.
 */
export function commitAll(db: BetterSqlite3.Database, writes: (() => unknown)[]): Outcome[] {
  const values: unknown[] = [];
  try {
    db.transaction(() => {
      for (const write of writes) values.push(write());
    })();
    return values.map((value) => ({ ok: true, value }));
  } catch {
    return writes.map((write) => {
      try {
        return { ok: true, value: db.transaction(write)() };
      } catch (error) {
        return { ok: false, error };
      }
    });
  }
}

/** Commits `jobs` with commitAll (`write` applies one) and settles each job's promise with its own outcome. */
export function commitJobs<J extends { resolve: (v: any) => void; reject: (e: unknown) => void }>(
  db: BetterSqlite3.Database,
  jobs: J[],
  write: (job: J) => unknown,
): void {
  commitAll(db, jobs.map((j) => () => write(j))).forEach((o, i) => (o.ok ? jobs[i].resolve(o.value) : jobs[i].reject(o.error)));
}

/**
 * Collects the jobs queued during one event-loop turn and hands them to `take` as one batch — once the
 * connection is out of any other transaction (a Kysely transaction spanning awaits: joining it would tie these
 * writes to its outcome) and `busy()` is false (the caller calls `schedule()` again when it no longer is).
 */
export class TurnBatcher<J> {
  private queue: J[] = [];
  private scheduled = false;

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly take: (jobs: J[]) => void,
    private readonly busy: () => boolean = () => false,
  ) {}

  push(job: J): void {
    this.queue.push(job);
    this.schedule();
  }

  get pending(): number {
    return this.queue.length;
  }

  schedule(): void {
    if (this.scheduled || this.busy() || !this.queue.length) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush() {
    this.scheduled = false;
    if (this.busy() || !this.queue.length) return;
    if (this.db.inTransaction) {
      this.scheduled = true;
      setTimeout(() => this.flush(), 1);
      return;
    }
    const jobs = this.queue;
    this.queue = [];
    this.take(jobs);
  }
}

interface Job { run: () => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void }

export class GroupCommit {
  /** Writes handed to a commit so far (diagnostics). */
  committed = 0;
  private readonly batches: TurnBatcher<Job>;

  constructor(db: BetterSqlite3.Database) {
    this.batches = new TurnBatcher(db, (jobs) => {
      this.committed += jobs.length;
      commitJobs(db, jobs, (j) => j.run());
    });
  }

  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => this.batches.push({ run: write, resolve: resolve as (v: unknown) => void, reject }));
  }
}
