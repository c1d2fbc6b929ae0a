/**
 * Where the store's writes run. Writes are plain data (sqlite-writes.ts), so they can run here, group-committed
 * on the main connection (InThreadWriter: in-memory databases, `database.writer: inline`), or on a writer
 * thread when there is more than one at a time (ThreadWriter, thread-writer.ts: the default for a file).
 */
import type BetterSqlite3 from 'better-sqlite3';
import { GroupCommit } from './group-commit.js';
import { SqliteWrites, type WriteOp, type WriteResult } from './sqlite-writes.js';

export interface Writer {
  run<O extends WriteOp>(op: O): Promise<WriteResult<O>>;
  close(): Promise<void>;
  /** Where commits run and how many ran where (`GET /health`), so a lost writer thread shows. */
  status(): WriterStatus;
}

export interface WriterStatus {
  mode: 'inline' | 'auto' | 'thread';
  /** The writer thread's state; null when there is none (inline). */
  thread: 'loading' | 'ready' | 'stopped' | null;
  /** Writes committed on the main thread and on the writer thread since start. */
  commits: { main: number; thread: number };
}

export class InThreadWriter implements Writer {
  private readonly writes: SqliteWrites;
  private readonly commits: GroupCommit;

  constructor(db: BetterSqlite3.Database) {
    this.writes = new SqliteWrites(db);
    this.commits = new GroupCommit(db);
  }

  run<O extends WriteOp>(op: O): Promise<WriteResult<O>> {
    // apply() answers the op's family's result (WriteResult maps each family to it).
    return this.commits.run(() => this.writes.apply(op) as WriteResult<O>);
  }

  async close(): Promise<void> {}

  status(): WriterStatus {
    return { mode: 'inline', thread: null, commits: { main: this.commits.committed, thread: 0 } };
  }
}
