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

test("hosted-tool calls keep OpenAI's own ids (its input schema requires them), never Switchboard's; annotations stay", () => {
  const cite = { type: 'url_citation', start_index: 0, end_index: 3, title: 'T', url: 'https://example.com' };
  const items = [
    { id: 'ws_1', type: 'web_search_call', status: 'completed', action: { type: 'search', query: 'q' } },
    { id: 'fs_1', type: 'file_search_call', status: 'completed', queries: ['q'], results: null },
    { id: 'ci_1', type: 'code_interpreter_call', status: 'completed', code: 'x', container_id: 'cntr_1', outputs: null },
    { id: 'ig_1', type: 'image_generation_call', status: 'completed', result: 'AA' },
    { id: 'mcpl_1', type: 'mcp_list_tools', server_label: 's', tools: [] },
    { id: 'mcp_1', type: 'mcp_call', server_label: 's', name: 'n', arguments: '{}' },
    // minted by Switchboard for items a client sent without an id (normalize-input.ts): left out
    { id: 'item_0190abc', type: 'web_search_call', status: 'completed', action: { type: 'search', query: 'q' } },
    { id: 'item_0190abd', type: 'mcp_call', server_label: 's', name: 'n', arguments: '{}' },
    { id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Yes', annotations: [cite], logprobs: [] }] },
  ] as Item[];
  const sent = convertInputItems(items);
  assert.deepEqual(sent.slice(0, 6), items.slice(0, 6));
  assert.equal('id' in sent[6], false);
  assert.equal('id' in sent[7], false);
  const { id: _id, ...message } = items[8];
  assert.deepEqual(sent[8], message);
  assert.equal(memo(items), fresh(items));
});
