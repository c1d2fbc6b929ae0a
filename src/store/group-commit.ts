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

interface Job { run: () => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void }

export class GroupCommit {
  private queue: Job[] = [];
  private scheduled = false;

  constructor(private readonly db: BetterSqlite3.Database) {}

  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: write, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush() {
    this.scheduled = false;
    // Another writer (a Kysely transaction spanning awaits) holds the connection: joining it would tie these
    // writes to its outcome. Wait for it to finish.
    if (this.db.inTransaction) {
      this.scheduled = true;
      setTimeout(() => this.flush(), 1);
      return;
    }
    const jobs = this.queue;
    this.queue = [];
    commitAll(this.db, jobs.map((j) => j.run)).forEach((o, i) => (o.ok ? jobs[i].resolve(o.value) : jobs[i].reject(o.error)));
  }
}
