/** The parsed-history cache stays within its item and byte budgets, evicting the least recently used thread. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Item } from '../../src/api/items.js';
import { HistoryCache } from '../../src/store/history-cache.js';

const items = (n: number, tag: string): Item[] => Array.from({ length: n }, (_, i) => ({ type: 'message', id: `${tag}${i}` }) as Item);

test('a byte budget evicts the least recently used threads; an oversized thread is not cached at all', () => {
  const cache = new HistoryCache(1_000, 1_000);
  cache.set('a', items(2, 'a'), 400);
  cache.set('b', items(2, 'b'), 400);
  assert.ok(cache.get('a', 2), 'a is used again, so b is now the oldest');
  cache.set('c', items(2, 'c'), 400); // 1 200 bytes > 1 000: the oldest goes
  assert.equal(cache.get('b', 2), null);
  assert.ok(cache.get('a', 2));
  assert.ok(cache.get('c', 2));
  cache.set('huge', items(1, 'h'), 5_000);
  assert.equal(cache.get('huge', 1), null);
  assert.ok(cache.get('a', 2), 'refusing the huge one evicted nothing');
});

test('appends count their bytes; a prefix read estimates its share', () => {
  const cache = new HistoryCache(1_000, 1_000);
  cache.set('t', items(2, 't'), 200);
  cache.append('t', 2, items(2, 'u'), 600);
  assert.equal(cache.getEntry('t', 4)?.bytes, 800);
  assert.equal(cache.getEntry('t', 2)?.bytes, 400);
  assert.equal(cache.getEntry('t', 2)?.items.length, 2);
  cache.append('t', 3, items(1, 'x'), 10); // not at the cached end: ignored
  assert.equal(cache.getEntry('t', 4)?.items.length, 4);
  cache.set('other', items(1, 'o'), 300); // 800 + 300 > 1 000: t, the least recently used, goes
  assert.equal(cache.get('t', 4), null);
});

test('an item budget bounds the cache too', () => {
  const cache = new HistoryCache(3, 1_000_000);
  cache.set('a', items(2, 'a'), 10);
  cache.set('b', items(2, 'b'), 10);
  assert.equal(cache.get('a', 2), null);
  assert.ok(cache.get('b', 2));
});
