/**
 * Group commit for SQLite: writes queued during one event-loop turn share one transaction (one WAL commit).
 * One failing write never takes the others down: the batch is then replayed one transaction per write.
 * Under load this turns N commits into one; alone, a write waits no more than a `setImmediate`.
 */
import type BetterSqlite3 from 'better-sqlite3';

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
    // Fast path: every job in one transaction, no savepoints (two statements less per job). If any job throws,
    // that transaction rolls back as a whole and each job runs again in a transaction of its own, so one bad
    // write fails alone. Jobs are pure functions of their inputs, so running one twice is safe.
    const values: unknown[] = [];
    try {
      this.db.transaction(() => {
        for (const job of jobs) values.push(job.run());
      })();
    } catch {
      for (const job of jobs) {
        try {
          job.resolve(this.db.transaction(job.run)());
        } catch (err) {
          job.reject(err);
        }
      }
      return;
    }
    jobs.forEach((job, i) => job.resolve(values[i]));
  }
}
