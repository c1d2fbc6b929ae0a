/**
 * Idempotency records (see http/idempotency.ts for what they mean on the wire). `IdempotencyStore` is the seam
 * a multi-process backend implements; `SqlIdempotencyStore` is the default: the row in SQLite through Kysely,
 * plus an in-process set of the keys this process is running, so concurrent requests with one key are told
 * apart without a round trip and without a race between two `claim`s in the same process.
 *
 * Every write is one statement (insert-or-take-over, one UPDATE to `done`, one DELETE), so a record is never
 * half-written: a reader sees no row, an `in_progress` row, or the whole answer.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

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

  constructor(private readonly db: Kysely<Database>) {}

  /**
   * At start-up of a single-process deployment no request can be running yet: an `in_progress` row was left by
   * a process that died mid-request, and its key is made free again (as for a request that failed). A
   * multi-process backend would instead give rows an owner and a lease.
   */
  async releaseAbandoned(): Promise<number> {
    const r = await this.db.deleteFrom('idempotency_records').where('state', '=', 'in_progress').executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async claim(tenant: string, key: string, now: number, expiresAt: number): Promise<ClaimResult> {
    const id = `${tenant}\n${key}`;
    // Checked and taken in the same synchronous step: two requests of this process cannot both pass.
    if (this.running.has(id)) return { claimed: false, record: { state: 'in_progress', createdAt: now, expiresAt } };
    this.running.add(id);
    try {
      const fresh = { tenant, key, state: 'in_progress', request_hash: '', status: null, headers: null, body: null, body_bytes: null, created_at: now, expires_at: expiresAt };
      // An expired row is taken over in the same statement; a live one is left alone (0 rows changed).
      const r = await this.db.insertInto('idempotency_records').values(fresh)
        .onConflict((oc) => oc.columns(['tenant', 'key']).doUpdateSet(fresh).where('idempotency_records.expires_at', '<=', now))
        .executeTakeFirst();
      if (Number(r.numInsertedOrUpdatedRows ?? 0) > 0) return { claimed: true };
      this.running.delete(id);
      const row = await this.db.selectFrom('idempotency_records').selectAll()
        .where('tenant', '=', tenant).where('key', '=', key).executeTakeFirst();
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
      await this.db.updateTable('idempotency_records')
        .set({ state: 'done', request_hash: requestHash, status: answer.status, headers: JSON.stringify(answer.headers), body: answer.body, body_bytes: answer.bodyBytes })
        .where('tenant', '=', tenant).where('key', '=', key).where('state', '=', 'in_progress')
        .execute();
    } finally {
      this.running.delete(`${tenant}\n${key}`);
    }
  }

  async release(tenant: string, key: string): Promise<void> {
    try {
      await this.db.deleteFrom('idempotency_records')
        .where('tenant', '=', tenant).where('key', '=', key).where('state', '=', 'in_progress')
        .execute();
    } finally {
      this.running.delete(`${tenant}\n${key}`);
    }
  }

  async sweep(now: number): Promise<number> {
    const r = await this.db.deleteFrom('idempotency_records').where('expires_at', '<=', now).executeTakeFirst();
    return Number(r.numDeletedRows);
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
