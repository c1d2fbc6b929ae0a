/**
 * Where the store's writes run. Writes are plain data (sqlite-writes.ts), so they can run here, group-committed
 * on the main connection (InThreadWriter: in-memory databases, `database.writer: inline`), or on a writer
 * thread when there is more than one at a time (ThreadWriter, thread-writer.ts: the default for a file).
 */
import type BetterSqlite3 from 'better-sqlite3';
import { GroupCommit } from './group-commit.js';
import type { ConversationWriteOp, ConversationWriteResult } from '../conversations/conversation-writes.js';
import type { IdempotencyWriteOp, IdempotencyWriteResult } from './idempotency-writes.js';
import type { FileWriteOp, FileWriteResult } from '../files/file-writes.js';
import { SqliteWrites, type DeleteOp, type DeleteResult, type FinishOp, type FinishResult, type QueueOp, type StatusOp, type WriteOp } from './sqlite-writes.js';

export interface Writer {
  run(op: FinishOp): Promise<FinishResult>;
  run(op: DeleteOp): Promise<DeleteResult>;
  run(op: ConversationWriteOp): Promise<ConversationWriteResult>;
  run(op: FileWriteOp): Promise<FileWriteResult>;
  run(op: IdempotencyWriteOp): Promise<IdempotencyWriteResult>;
  run(op: QueueOp | StatusOp): Promise<boolean>;
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

  run(op: FinishOp): Promise<FinishResult>;
  run(op: DeleteOp): Promise<DeleteResult>;
  run(op: ConversationWriteOp): Promise<ConversationWriteResult>;
  run(op: FileWriteOp): Promise<FileWriteResult>;
  run(op: IdempotencyWriteOp): Promise<IdempotencyWriteResult>;
  run(op: QueueOp | StatusOp): Promise<boolean>;
  run(op: WriteOp): Promise<FinishResult | DeleteResult | ConversationWriteResult | FileWriteResult | IdempotencyWriteResult | boolean> {
    return this.commits.run(() => this.writes.apply(op));
  }

  async close(): Promise<void> {}

  status(): WriterStatus {
    return { mode: 'inline', thread: null, commits: { main: this.commits.committed, thread: 0 } };
  }
}
