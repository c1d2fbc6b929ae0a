import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cancellation } from '../../src/api/cancellation.js';

test('Cancellation: listeners run once on cancel; removed ones and ones added afterwards never run', () => {
  const c = new Cancellation();
  const calls: string[] = [];
  const a = () => calls.push('a');
  const b = () => calls.push('b');
  c.addEventListener('abort', a, { once: true });
  c.addEventListener('abort', b);
  c.removeEventListener('abort', b);
  assert.equal(c.aborted, false);
  c.cancel();
  c.cancel();
  assert.equal(c.aborted, true);
  c.addEventListener('abort', () => calls.push('late'));
  assert.deepEqual(calls, ['a']);
});
