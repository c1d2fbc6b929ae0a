/**
 * Every write an idempotency record takes, as plain data (so it can cross to the writer thread, like the
 * response, conversation and file writes in sqlite-writes.ts) and the prepared statements that apply them.
 * Each is one statement, so a record is never half-written.
 */
import type BetterSqlite3 from 'better-sqlite3';

export type IdempotencyWriteOp =
  /** Inserts an `in_progress` row, or takes over an expired one; `changed` says whether the key was taken. */
  | { op: 'idempotency.claim'; tenant: string; key: string; now: number; expiresAt: number }
  | { op: 'idempotency.complete'; tenant: string; key: string; requestHash: string; status: number; headers: string; body: string | null; bodyBytes: number }
  | { op: 'idempotency.release'; tenant: string; key: string }
  /** Deletes records expired at `now`. */
  | { op: 'idempotency.sweep'; now: number }
  /** Deletes every `in_progress` row (start-up of a single-process deployment). */
  | { op: 'idempotency.release_abandoned' };

/** Rows the write changed. */
export interface IdempotencyWriteResult { changed: number }

export function isIdempotencyOp(op: { op: string }): op is IdempotencyWriteOp {
  return op.op.startsWith('idempotency.');
}

export class IdempotencyWrites {
  private readonly q;

  constructor(db: BetterSqlite3.Database) {
    this.q = {
      // An expired row is taken over in the same statement; a live one is left alone (0 rows changed).
      claim: db.prepare(`INSERT INTO idempotency_records (tenant, key, state, request_hash, status, headers, body, body_bytes, created_at, expires_at)
        VALUES (@tenant, @key, 'in_progress', '', NULL, NULL, NULL, NULL, @now, @expiresAt)
        ON CONFLICT (tenant, key) DO UPDATE SET state = 'in_progress', request_hash = '', status = NULL, headers = NULL, body = NULL,
          body_bytes = NULL, created_at = @now, expires_at = @expiresAt
        WHERE idempotency_records.expires_at <= @now`),
      complete: db.prepare(`UPDATE idempotency_records SET state = 'done', request_hash = ?, status = ?, headers = ?, body = ?, body_bytes = ?
        WHERE tenant = ? AND key = ? AND state = 'in_progress'`),
      release: db.prepare(`DELETE FROM idempotency_records WHERE tenant = ? AND key = ? AND state = 'in_progress'`),
      sweep: db.prepare('DELETE FROM idempotency_records WHERE expires_at <= ?'),
      releaseAbandoned: db.prepare(`DELETE FROM idempotency_records WHERE state = 'in_progress'`),
    };
  }

  /** Applies one write; runs inside the caller's transaction. */
  apply(op: IdempotencyWriteOp): IdempotencyWriteResult {
    switch (op.op) {
      case 'idempotency.claim':
        return { changed: this.q.claim.run({ tenant: op.tenant, key: op.key, now: op.now, expiresAt: op.expiresAt }).changes };
      case 'idempotency.complete':
        return { changed: this.q.complete.run(op.requestHash, op.status, op.headers, op.body, op.bodyBytes, op.tenant, op.key).changes };
      case 'idempotency.release':
        return { changed: this.q.release.run(op.tenant, op.key).changes };
      case 'idempotency.sweep':
        return { changed: this.q.sweep.run(op.now).changes };
      case 'idempotency.release_abandoned':
        return { changed: this.q.releaseAbandoned.run().changes };
    }
  }
}
