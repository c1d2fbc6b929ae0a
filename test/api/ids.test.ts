import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '../../src/api/ids.js';

test('ids: prefix, 48 hex digits, the first 12 the creation time in ms, the rest unique', async () => {
  const seen = new Set<string>();
  for (let round = 0; round < 3; round++) {
    const before = Date.now();
    const ids = Array.from({ length: 1000 }, () => newId('msg'));
    const after = Date.now();
    for (const id of ids) {
      assert.match(id, /^msg_[0-9a-f]{48}$/);
      const ms = parseInt(id.slice(4, 16), 16);
      assert.ok(ms >= before && ms <= after, `${ms} outside [${before}, ${after}]`);
      seen.add(id.slice(16));
    }
    await new Promise((r) => setTimeout(r, 5)); // a later millisecond: the time part must move on
  }
  assert.equal(seen.size, 3000);
});
