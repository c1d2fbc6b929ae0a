/**
 * Group commit for SQLite: writes queued during one event-loop turn share one transaction (one WAL commit),
 * each inside its own savepoint, so one failing write rolls back alone and the others still commit. Under
 * load this turns N commits into one; alone, a write waits no more than a `setImmediate`.
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
    const results: { ok: boolean; value: unknown }[] = [];
    try {
      this.db.transaction(() => {
        for (const job of jobs) {
          try {
            results.push({ ok: true, value: this.db.transaction(job.run)() }); // nested: a savepoint
          } catch (err) {
            results.push({ ok: false, value: err });
          }
        }
      })();
    } catch (err) {
      for (const job of jobs) job.reject(err); // the commit itself failed: nothing was written
      return;
    }
    jobs.forEach((job, i) => (results[i].ok ? job.resolve(results[i].value) : job.reject(results[i].value)));
  }
}
