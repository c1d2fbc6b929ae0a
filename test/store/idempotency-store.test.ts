/**
 * SqlIdempotencyStore on a real SQLite file: one claim wins per live key, in one process (the in-process set)
 * and across two stores on one database (the row, as two processes would share it); records are written
 * whole; expired keys are taken over and swept; rows left in progress by a dead process are freed at start-up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../src/store/open-sqlite.js';
import { SqlIdempotencyStore } from '../../src/store/idempotency-store.js';
import { InThreadWriter } from '../../src/store/sqlite-writer.js';

const answer = { status: 200, headers: { 'content-type': 'application/json' }, body: '{"id":"resp_1"}', bodyBytes: 15 };

async function openTwo() {
  const path = join(mkdtempSync(join(tmpdir(), 'sb-idem-')), 'db.sqlite');
  const one = await openSqlite(path);
  const two = await openSqlite(path);
  return { one, two, a: new SqlIdempotencyStore(one.raw, new InThreadWriter(one.raw)), b: new SqlIdempotencyStore(two.raw, new InThreadWriter(two.raw)), close: async () => { await one.db.destroy(); await two.db.destroy(); } };
}

test('one claim wins per key, within a process and across two stores on one database', async () => {
  const { a, b, close } = await openTwo();
  try {
    const now = 1_000_000;
    const results = await Promise.all([a.claim('t', 'k', now, now + 60_000), a.claim('t', 'k', now, now + 60_000), b.claim('t', 'k', now, now + 60_000)]);
    assert.equal(results.filter((r) => r.claimed).length, 1);
    for (const r of results) if (!r.claimed) assert.equal(r.record.state, 'in_progress');
    // Another tenant's key of the same name is its own.
    assert.equal((await b.claim('u', 'k', now, now + 60_000)).claimed, true);
  } finally {
    await close();
  }
});

test('complete writes the whole answer; a later claim gets it; release frees the key', async () => {
  const { a, b, close } = await openTwo();
  try {
    const now = 1_000_000;
    assert.equal((await a.claim('t', 'done', now, now + 60_000)).claimed, true);
    await a.complete('t', 'done', 'hash1', answer);
    const again = await b.claim('t', 'done', now + 1, now + 60_001);
    assert.equal(again.claimed, false);
    assert.deepEqual(!again.claimed && again.record, { state: 'done', requestHash: 'hash1', answer, createdAt: now, expiresAt: now + 60_000 });

    assert.equal((await a.claim('t', 'freed', now, now + 60_000)).claimed, true);
    await a.release('t', 'freed');
    assert.equal((await a.claim('t', 'freed', now, now + 60_000)).claimed, true);
  } finally {
    await close();
  }
});

test('an expired key is taken over by the next claim; sweep deletes expired rows only', async () => {
  const { a, one, close } = await openTwo();
  try {
    assert.equal((await a.claim('t', 'old', 0, 1_000)).claimed, true);
    await a.complete('t', 'old', 'h', answer);
    assert.equal((await a.claim('t', 'old', 999, 2_000)).claimed, false);
    assert.equal((await a.claim('t', 'old', 1_000, 3_000)).claimed, true);
    await a.complete('t', 'old', 'h2', answer);
    assert.equal((await a.claim('t', 'young', 0, 10_000)).claimed, true);
    await a.complete('t', 'young', 'h', answer);
    assert.equal(await a.sweep(3_000), 1);
    const keys = (await one.db.selectFrom('idempotency_records').select('key').execute()).map((r) => r.key);
    assert.deepEqual(keys, ['young']);
  } finally {
    await close();
  }
});

test('at start-up, rows a dead process left in progress are freed; finished ones stay', async () => {
  const { a, b, close } = await openTwo();
  try {
    await a.claim('t', 'crashed', 0, 1e12);
    await a.claim('t', 'finished', 0, 1e12);
    await a.complete('t', 'finished', 'h', answer);
    // `b` plays the restarted process.
    assert.equal(await b.releaseAbandoned(), 1);
    assert.equal((await b.claim('t', 'crashed', 1, 1e12)).claimed, true);
    assert.equal((await b.claim('t', 'finished', 1, 1e12)).claimed, false);
  } finally {
    await close();
  }
});
