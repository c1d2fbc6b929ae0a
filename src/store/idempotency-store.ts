/**
 * Idempotency records (see http/idempotency.ts for what they mean on the wire). `IdempotencyStore` is the seam
 * a multi-process backend implements; `SqlIdempotencyStore` is the default: the row in SQLite — read with a
 * prepared statement, written as Writer ops (idempotency-writes.ts), the store's one access style — plus an in-process set of the keys this process is running, so concurrent requests with one key are told
 * apart without a round trip and without a race between two `claim`s in the same process.
 *
 * Every write is one statement (insert-or-take-over, one UPDATE to `done`, one DELETE), so a record is never
 * half-written: a reader sees no row, an `in_progress` row, or the whole answer.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Database } from './schema.js';
import type { Writer } from './sqlite-writer.js';

export interface RecordedAnswer {
  status: number;
  headers: Record<string, string>;
  /** null when the answer was larger than the recording limit. */
  body: string | null;
  bodyBytes: number;
}

export type IdempotencyRecord =
  | { state: 'in_progress'; createdAt: number; expiresAt: number }
  | { state: 'done'; requestHash: string; answer: RecordedAnswer; createdAt: number; expiresAt: number };

export type ClaimResult = { claimed: true } | { claimed: false; record: IdempotencyRecord };

export interface IdempotencyStore {
  /**
   * Takes the key for a new request (no record, or only an expired one), or returns the live record that
   * holds it. At most one caller, across every process sharing the store, gets `claimed: true` per live key.
   */
  claim(tenant: string, key: string, now: number, expiresAt: number): Promise<ClaimResult>;
  /** The claimed request's answer went out in full: from now on the key replays it. */
  complete(tenant: string, key: string, requestHash: string, answer: RecordedAnswer): Promise<void>;
  /** The claimed request produced no result worth keeping: the key is free again. */
  release(tenant: string, key: string): Promise<void>;
  /** Deletes expired records; returns how many. */
  sweep(now: number): Promise<number>;
}

export class SqlIdempotencyStore implements IdempotencyStore {
  /** `tenant \n key` of the requests this process is running. */
  private readonly running = new Set<string>();

  private readonly get: BetterSqlite3.Statement;

  /** Reads run on `db` (the main thread's connection); every write goes through `writer`. */
  constructor(db: BetterSqlite3.Database, private readonly writer: Writer) {
    this.get = db.prepare('SELECT * FROM idempotency_records WHERE tenant = ? AND key = ?');
  }

  /**
   * At start-up of a single-process deployment no request can be running yet: an `in_progress` row was left by
   * a process that died mid-request, and its key is made free again (as for a request that failed). A
   * multi-process backend would instead give rows an owner and a lease.
   */
  async releaseAbandoned(): Promise<number> {
    return (await this.writer.run({ op: 'idempotency.release_abandoned' })).changed;
  }

  async claim(tenant: string, key: string, now: number, expiresAt: number): Promise<ClaimResult> {
    const id = `${tenant}\n${key}`;
    // A live record answers at once, with no write: a replay (or another process's request in progress) must
    // not queue behind the writer, where concurrent retries of a finished key would read as "in use".
    const live = this.get.get(tenant, key) as Row | undefined;
    if (live && Number(live.expires_at) > now && !this.running.has(id)) return { claimed: false, record: toRecord(live) };
    // Checked and taken in the same synchronous step: two requests of this process cannot both pass.
    if (this.running.has(id)) return { claimed: false, record: { state: 'in_progress', createdAt: now, expiresAt } };
    this.running.add(id);
    try {
      if ((await this.writer.run({ op: 'idempotency.claim', tenant, key, now, expiresAt })).changed > 0) return { claimed: true };
      this.running.delete(id);
      const row = this.get.get(tenant, key) as Row | undefined;
      // Deleted between the two statements (released or swept): the key is free, but another claim decides.
      if (!row) return { claimed: false, record: { state: 'in_progress', createdAt: now, expiresAt } };
      return { claimed: false, record: toRecord(row) };
    } catch (err) {
      this.running.delete(id);
      throw err;
    }
  }

  async complete(tenant: string, key: string, requestHash: string, answer: RecordedAnswer): Promise<void> {
    try {
      await this.writer.run({
        op: 'idempotency.complete', tenant, key, requestHash,
        status: answer.status, headers: JSON.stringify(answer.headers), body: answer.body, bodyBytes: answer.bodyBytes,
      });
    } finally {
      this.running.delete(`${tenant}\n${key}`);
    }
  }

  async release(tenant: string, key: string): Promise<void> {
    try {
      await this.writer.run({ op: 'idempotency.release', tenant, key });
    } finally {
      this.running.delete(`${tenant}\n${key}`);
    }
  }

  async sweep(now: number): Promise<number> {
    return (await this.writer.run({ op: 'idempotency.sweep', now })).changed;
  }
}

type Row = Database['idempotency_records'];

function toRecord(row: Row): IdempotencyRecord {
  const createdAt = Number(row.created_at);
  const expiresAt = Number(row.expires_at);
  if (row.state !== 'done') return { state: 'in_progress', createdAt, expiresAt };
  return {
    state: 'done',
    requestHash: row.request_hash,
    createdAt,
    expiresAt,
    answer: {
      status: Number(row.status),
      headers: row.headers ? JSON.parse(row.headers) as Record<string, string> : {},
      body: row.body,
      bodyBytes: Number(row.body_bytes ?? 0),
    },
  };
}
