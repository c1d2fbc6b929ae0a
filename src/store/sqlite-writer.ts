/**
 * Where the store's writes run: in-thread, group-committed. Writes are plain data (sqlite-writes.ts), so a
 * writer could live elsewhere; a writer *thread* was tried and measured slower here (structured-clone
 * messaging cost ~6% of the main thread, and on two cores the writer thread starved, so every response
 * waited longer for its commit — throughput fell from ~2 600 to ~1 600 req/s), so it is not used.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { GroupCommit } from './group-commit.js';
import { SqliteWrites, type DeleteOp, type DeleteResult, type FinishOp, type FinishResult, type WriteOp } from './sqlite-writes.js';

export interface Writer {
  run(op: FinishOp): Promise<FinishResult>;
  run(op: DeleteOp): Promise<DeleteResult>;
  close(): Promise<void>;
}

export class InThreadWriter implements Writer {
  private readonly writes: SqliteWrites;
  private readonly commits: GroupCommit;

  constructor(db: BetterSqlite3.Database) {
    this.writes = new SqliteWrites(db);
    this.commits = new GroupCommit(db);
  }

  run(op: FinishOp): Promise<FinishResult>;
  run(op: DeleteOp): Promise<DeleteResult>;
  run(op: WriteOp): Promise<FinishResult | DeleteResult> {
    return this.commits.run(() => this.writes.apply(op));
  }

  async close(): Promise<void> {}
}
