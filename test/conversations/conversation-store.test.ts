/**
 * The store side of conversations: a response's items reach its conversation inside the response's own final
 * write (one transaction: both or neither), only for completed and incomplete turns; and the in-process lock
 * hands a conversation to one turn at a time, in arrival order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cancellation } from '../../src/api/cancellation.js';
import { InProcessConversationLocks } from '../../src/conversations/conversation-lock.js';
import { openSqlite } from '../../src/store/open-sqlite.js';
import { SqliteWrites, type FinishOp } from '../../src/store/sqlite-writes.js';

async function store() {
  const { db, raw } = await openSqlite(':memory:');
  const writes = new SqliteWrites(raw);
  const apply = (op: Parameters<SqliteWrites['apply']>[0]) => raw.transaction(() => writes.apply(op))();
  const convItems = () => raw.prepare('SELECT item_id, response_id FROM conversation_items WHERE conversation_id = ? ORDER BY seq').all('conv_1');
  const responses = () => raw.prepare('SELECT id FROM responses').pluck().all();
  return { db, apply, convItems, responses };
}

function finish(id: string, status: string, conversation: string | null): FinishOp {
  return {
    op: 'finish', tenant: 't', conversation,
    response: { id, status, model: 'm', created_at: 1, previous_response_id: null, background: false },
    items: [{ role: 'input', id: `in_${id}`, json: '{}' }, { role: 'output', id: `out_${id}`, json: '{}' }],
    inputCount: 1, responseJson: '{}', requestJson: '{}', eventLog: null, previous: null,
  };
}

test('a completed turn is appended in the response\'s own transaction; a failed write appends nothing', async () => {
  const s = await store();
  try {
    s.apply({ op: 'conversation.create', tenant: 't', id: 'conv_1', createdAt: 1, metadata: '{}', items: [{ id: 'seed', json: '{}' }] });
    s.apply(finish('resp_1', 'completed', 'conv_1'));
    assert.deepEqual(s.convItems(), [
      { item_id: 'seed', response_id: null }, { item_id: 'in_resp_1', response_id: 'resp_1' }, { item_id: 'out_resp_1', response_id: 'resp_1' },
    ]);
    // The same response id again: the response insert fails after the append ran; the transaction takes both back.
    assert.throws(() => s.apply(finish('resp_1', 'completed', 'conv_1')));
    assert.equal(s.convItems().length, 3);
    assert.deepEqual(s.responses(), ['resp_1']);
  } finally {
    await s.db.destroy();
  }
});

test('incomplete turns append; failed and cancelled ones do not; a deleted conversation is skipped', async () => {
  const s = await store();
  try {
    s.apply({ op: 'conversation.create', tenant: 't', id: 'conv_1', createdAt: 1, metadata: '{}', items: [] });
    s.apply(finish('resp_f', 'failed', 'conv_1'));
    s.apply(finish('resp_c', 'cancelled', 'conv_1'));
    s.apply(finish('resp_i', 'incomplete', 'conv_1'));
    assert.deepEqual(s.convItems().map((r: any) => r.response_id), ['resp_i', 'resp_i']);
    // Another tenant's finish naming the conversation appends nothing to it.
    s.apply({ ...finish('resp_x', 'completed', 'conv_1'), tenant: 'other' });
    assert.equal(s.convItems().length, 2);
    assert.deepEqual(s.apply({ op: 'conversation.delete', tenant: 't', id: 'conv_1' }), { found: true });
    s.apply(finish('resp_2', 'completed', 'conv_1'));
    assert.equal(s.convItems().length, 0);
    assert.ok(s.responses().includes('resp_2'), 'the response is stored all the same');
  } finally {
    await s.db.destroy();
  }
});

test('the lock: one holder per key, waiters in arrival order, a cancelled waiter leaves the queue', async () => {
  const locks = new InProcessConversationLocks();
  const order: string[] = [];
  const release1 = await locks.acquire('k', new Cancellation());
  const gone = new Cancellation();
  const w2 = locks.acquire('k', gone);
  const w3 = locks.acquire('k', new Cancellation()).then((r) => { order.push('3'); return r; });
  const w4 = locks.acquire('k', new Cancellation()).then((r) => { order.push('4'); return r; });
  const other = await locks.acquire('other', new Cancellation());
  gone.cancel();
  await assert.rejects(w2, (e: any) => e.code === 'request_cancelled');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [], 'nobody runs while the first holds the key');
  release1();
  release1(); // twice: no effect
  const release3 = await w3;
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, ['3']);
  release3();
  (await w4)();
  other();
  assert.deepEqual(order, ['3', '4']);
  assert.deepEqual(locks.heldKeys(), []);
});

test('migration 0004 upgrades a database the previous release left (0001–0003)', async () => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  const { Kysely, Migrator, SqliteDialect } = await import('kysely');
  const { migrations } = await import('../../src/store/schema.js');
  const path = join(mkdtempSync(join(tmpdir(), 'sb-conv-mig-')), 'sb.db');
  const old = new Kysely<any>({ dialect: new SqliteDialect({ database: new BetterSqlite3(path) }) });
  const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0004'));
  assert.ifError((await new Migrator({ db: old, provider: { getMigrations: async () => before } }).migrateToLatest()).error);
  await old.destroy();

  const { db, raw } = await openSqlite(path);
  try {
    const writes = new SqliteWrites(raw);
    raw.transaction(() => writes.apply({ op: 'conversation.create', tenant: 't', id: 'conv_1', createdAt: 1, metadata: '{}', items: [{ id: 'a', json: '{}' }] }))();
    assert.deepEqual(raw.prepare('SELECT next_seq FROM conversations').pluck().all(), [1]);
  } finally {
    await db.destroy();
  }
});
