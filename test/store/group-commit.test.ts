import { test } from 'node:test';
import assert from 'node:assert/strict';
import BetterSqlite3 from 'better-sqlite3';
import { GroupCommit } from '../../src/store/group-commit.js';

test('writes queued in one turn commit together; a failing one fails alone', async () => {
  const db = new BetterSqlite3(':memory:');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
  let commits = 0;
  const gc = new GroupCommit(new Proxy(db, {
    get(target, prop) {
      if (prop === 'transaction') return (fn: () => unknown) => { const tx = target.transaction(fn); return () => { const r = tx(); commits++; return r; }; };
      const v = Reflect.get(target, prop);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }));
  const a = gc.run(() => insert.run(1, 'a').changes);
  const b = gc.run(() => insert.run(1, 'duplicate key'));
  const c = gc.run(() => insert.run(3, 'c').changes);
  assert.equal(await a, 1);
  await assert.rejects(b, /UNIQUE/);
  assert.equal(await c, 1);
  assert.deepEqual(db.prepare('SELECT id, v FROM t ORDER BY id').all(), [{ id: 1, v: 'a' }, { id: 3, v: 'c' }]);

  commits = 0;
  await Promise.all([1, 2, 3, 4].map((i) => gc.run(() => insert.run(10 + i, 'x'))));
  assert.equal(commits, 1, 'four writes, one commit');
});
