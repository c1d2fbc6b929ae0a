/**
 * inputItemsBytes remembers the JSON of shared history items (providers/history-json.ts); whatever it reuses,
 * its bytes must equal a fresh conversion of the same input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Item } from '../../src/api/items.js';
import { convertInputItems, inputItemsBytes } from '../../src/providers/openai-responses/convert-input-items.js';

const fresh = (input: Item[], dropReasoning = false) => convertInputItems(input, { dropReasoning }).map((i) => JSON.stringify(i)).join(',');
const memo = (input: Item[], dropReasoning = false) => inputItemsBytes(input, { dropReasoning }).toString();

const user = (text: string): Item => ({ id: `msg_u${text}`, type: 'message', role: 'user', content: [{ type: 'input_text', text }] }) as Item;
const assistant = (text: string): Item => ({ id: `msg_a${text}`, type: 'message', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] }) as Item;
const reasoning = (n: number, encrypted: boolean): Item =>
  ({ id: `rs_${n}`, type: 'reasoning', summary: [], ...(encrypted ? { encrypted_content: `blob${n}` } : {}) }) as Item;
const call = (id: string): Item => ({ id: `fc_${id}`, type: 'function_call', call_id: id, name: 'f', arguments: '{}' }) as Item;
const output = (id: string): Item => ({ type: 'function_call_output', call_id: id, output: 'ok' }) as Item;

test('equals a fresh conversion turn after turn, for forks, and with reasoning dropped', () => {
  const history: Item[] = [];
  for (let i = 0; i < 12; i++) {
    history.push(user(`q${i}`), reasoning(i, i % 2 === 0), call(`c${i}`), output(`c${i}`), assistant(`a${i}`));
    const turn = [...history, user(`next${i}`)];
    assert.equal(memo(turn), fresh(turn), `turn ${i}`);
  }
  for (const cut of [1, 3, 17, 40]) {
    const fork = [...history.slice(0, cut), user(`fork${cut}`)];
    assert.equal(memo(fork), fresh(fork), `fork at ${cut}`);
  }
  assert.equal(memo(history, true), fresh(history, true));
  assert.ok(!memo(history, true).includes('"reasoning"'));
  assert.ok(!memo(history).includes('"msg_u'), 'ids are dropped');
  assert.equal(memo([]), '');
});

test('non-ASCII text keeps byte offsets right across reused prefixes', () => {
  const pad = Array.from({ length: 8 }, (_, i) => user(`p${i}`));
  const h = [user('héllo 🎉'), ...pad, assistant('ça va ✓')];
  assert.equal(memo([...h, user('1')]), fresh([...h, user('1')]));
  assert.equal(memo([...h.slice(0, 9), user('ünï')]), fresh([...h.slice(0, 9), user('ünï')]));
  assert.equal(memo([...h, user('2')]), fresh([...h, user('2')]));
});
