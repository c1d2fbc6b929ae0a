/**
 * FileStore in the store's one access style: its writes are Writer ops, so they run on the writer thread (its
 * own connection to the same file) and the main connection's prepared reads see them once they resolve;
 * tenant scoping, expiry, cursor pages and the sweeper's reads behave as before.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore, type FileRow } from '../../src/files/file-store.js';
import { openSqlite } from '../../src/store/open-sqlite.js';
import { ThreadWriter } from '../../src/store/thread-writer.js';

const closers: (() => Promise<unknown>)[] = [];
after(async () => { for (const c of closers.reverse()) await c(); });

const row = (id: string, o: Partial<FileRow> = {}): FileRow => ({
  id, tenant: 'a', filename: `${id}.txt`, purpose: 'user_data', bytes: 3, created_at: 1000, path: `/x/${id}`, status: 'processed',
  content_type: 'text/plain', expires_at: null, ...o,
});

test('FileStore over a ThreadWriter: writes on the thread, reads on the main connection', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'sb-files-store-')), 'db.sqlite');
  const { db, raw } = await openSqlite(path);
  const writer = new ThreadWriter(raw, path, 'thread');
  closers.push(async () => { await writer.close(); await db.destroy(); });
  // Until its thread is up, a writer writes on the main thread.
  for (let i = 0; i < 300 && !(writer as unknown as { ready: boolean }).ready; i++) await new Promise((r) => setTimeout(r, 10));
  const store = new FileStore(raw, writer);

  await Promise.all([
    store.insert(row('f1', { created_at: 1000 })),
    store.insert(row('f2', { created_at: 1000, purpose: 'vision' })),
    store.insert(row('f3', { created_at: 2000 })),
    store.insert(row('old', { created_at: 500, expires_at: 10 })),
    store.insert(row('b1', { tenant: 'b' })),
  ]);
  assert.equal(writer.stats.threaded > 0, true, 'the writes went to the thread');

  assert.deepEqual(await store.get('a', 'f1'), row('f1'));
  assert.equal(await store.get('b', 'f1'), null, 'another tenant does not see it');
  assert.equal(await store.get('a', 'old', 20), null, 'expired');

  const ids = async (q: Parameters<FileStore['list']>[1]) => {
    const page = await store.list('a', q, 20);
    return { ids: page.rows.map((r) => r.id), hasMore: page.hasMore };
  };
  assert.deepEqual(await ids({ limit: 10, order: 'asc' }), { ids: ['f1', 'f2', 'f3'], hasMore: false });
  assert.deepEqual(await ids({ limit: 2, order: 'desc' }), { ids: ['f3', 'f2'], hasMore: true });
  assert.deepEqual(await ids({ limit: 2, order: 'desc', after: 'f2' }), { ids: ['f1'], hasMore: false });
  assert.deepEqual(await ids({ limit: 1, order: 'asc', after: 'f1' }), { ids: ['f2'], hasMore: true });
  assert.deepEqual(await ids({ limit: 10, order: 'asc', purpose: 'vision' }), { ids: ['f2'], hasMore: false });
  assert.deepEqual(await ids({ limit: 10, order: 'asc', after: 'b1' }), { ids: [], hasMore: false });

  assert.deepEqual((await store.listExpired(20, 10)).map((r) => r.id), ['old']);
  await store.deleteRow('old');
  assert.deepEqual(await store.listExpired(20, 10), []);

  assert.equal(await store.delete('b', 'f1'), null, 'another tenant cannot delete it');
  assert.deepEqual(await store.delete('a', 'f1'), row('f1'));
  assert.equal(await store.get('a', 'f1'), null);
  assert.equal(await store.delete('a', 'f1'), null);
});
