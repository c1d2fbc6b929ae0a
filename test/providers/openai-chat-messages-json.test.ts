/**
 * chatMessagesBytes remembers the JSON of shared history items (per message and per conversation prefix).
 * Whatever it reuses, its text must always equal a fresh conversion of the same input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Item } from '../../src/api/items.js';
import { chatMessagesBytes, convertToChatMessages } from '../../src/providers/openai-chat/convert-to-chat-messages.js';

const fresh = (instructions: string | null, input: Item[]) => JSON.stringify(convertToChatMessages(instructions, input, 'p'));
/** The memoized messages as an array text, the instructions' system message first (as the request body has them). */
const memo = (instructions: string | null, input: Item[]) => {
  const messages = chatMessagesBytes(input, 'p').toString();
  const system = instructions ? JSON.stringify({ role: 'system', content: instructions }) : '';
  return `[${system}${system && messages ? ',' : ''}${messages}]`;
};

const user = (text: string): Item => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] }) as Item;
const assistant = (text: string): Item => ({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] }) as Item;
const reasoning = (text: string): Item => ({ type: 'reasoning', id: `rs_${text}`, summary: [{ type: 'summary_text', text }] }) as Item;
/** Inputs this long go through the memo (shorter ones are serialized directly). */
const earlier = (): Item[] => [user('e1'), assistant('e2'), user('e3'), assistant('e4'), user('e5'), assistant('e6'), user('e7'), assistant('e8')];
const call = (id: string): Item => ({ type: 'function_call', call_id: id, name: 'f', arguments: `{"id":"${id}"}` }) as Item;
const output = (id: string): Item => ({ type: 'function_call_output', call_id: id, output: `result ${id}` }) as Item;

test('equals a fresh conversion for every shape of history, with and without instructions', () => {
  const history = [user('a'), reasoning('r1'), assistant('b'), call('c1'), output('c1'), reasoning('r2'), assistant('d'), user('e')];
  for (const instructions of [null, 'be brief']) {
    assert.equal(memo(instructions, history), fresh(instructions, history));
    assert.equal(memo(instructions, history), fresh(instructions, history)); // second time: from the memo
  }
  assert.equal(memo(null, []), '[]');
  const short = [user('a'), assistant('b')]; // below the memo threshold: serialized directly, same text
  assert.equal(memo('x', short), fresh('x', short));
  assert.equal(memo('only instructions', []), fresh('only instructions', []));
});

test('continuing a conversation reuses the prefix and still equals a fresh conversion', () => {
  const turn1 = [...earlier(), user('q1')];
  assert.equal(memo(null, turn1), fresh(null, turn1));
  const turn2 = [...turn1, assistant('a1'), user('q2')];
  assert.equal(memo(null, turn2), fresh(null, turn2));
  const turn3 = [...turn2, reasoning('think'), call('c'), output('c'), assistant('a2'), user('q3')];
  assert.equal(memo(null, turn3), fresh(null, turn3));
});

test('a remembered prefix is not used when an assistant run continues across its end', () => {
  // The prefix ends in assistant output; the next input adds more assistant-side items to the same turn,
  // which Chat Completions merges into one assistant message.
  const prefix = [...earlier(), user('q'), assistant('part one')];
  assert.equal(memo(null, prefix), fresh(null, prefix));
  const continued = [...prefix, call('c9'), output('c9')];
  const text = memo(null, continued);
  assert.equal(text, fresh(null, continued));
  const last = JSON.parse(text).filter((m: { role: string }) => m.role === 'assistant').at(-1);
  assert.equal(last.content, 'part one');
  assert.equal(last.tool_calls[0].id, 'c9', 'one assistant message: the text and the call it was followed by');
});

test('the same first and last items with different items between them are not mistaken for the prefix', () => {
  // item_reference can put stored items in any order: only an exact prefix may be reused.
  const a = user('first'), x = assistant('x'), y = assistant('y'), b = user('last');
  const mid = earlier();
  assert.equal(memo(null, [a, ...mid, x, b]), fresh(null, [a, ...mid, x, b]));
  assert.equal(memo(null, [a, ...mid, y, b]), fresh(null, [a, ...mid, y, b]));
  assert.equal(memo(null, [a, ...mid, y, b, user('more')]), fresh(null, [a, ...mid, y, b, user('more')]));
});

test('a message remembered inside one conversation is reused in another only as the same items', () => {
  const shared = [reasoning('r'), assistant('answer')];
  const one = [user('u1'), ...earlier(), ...shared, user('u2')];
  const two = [user('other'), ...earlier(), shared[1], user('u3')]; // the assistant message without its reasoning
  assert.equal(memo(null, one), fresh(null, one));
  assert.equal(memo(null, two), fresh(null, two));
});

test('a fork reuses the history up to the fork point, and the original line still serializes correctly', () => {
  const history: Item[] = [];
  for (let i = 0; i < 20; i++) history.push(user(`q${i}`), ...(i % 3 ? [assistant(`a${i}`)] : [reasoning(`r${i}`), call(`c${i}`), output(`c${i}`), assistant(`a${i}`)]));
  const tip = [...history, user('tip')];
  assert.equal(memo(null, tip), fresh(null, tip));
  for (const cut of [1, 2, 7, 8, 9, 30, history.length - 1]) {
    const fork = [...history.slice(0, cut), user(`fork at ${cut}`)];
    assert.equal(memo('sys', fork), fresh('sys', fork), `fork at ${cut}`);
    const forkRun = [...history.slice(0, cut), call(`extra${cut}`), output(`extra${cut}`)]; // may continue a run at the cut
    assert.equal(memo(null, forkRun), fresh(null, forkRun), `run continued at ${cut}`);
  }
  const next = [...tip, assistant('answer'), user('again')];
  assert.equal(memo(null, next), fresh(null, next));
});

test('non-ASCII text keeps byte offsets right when a prefix is reused', () => {
  const h = [user('héllo — 你好 🎉'), ...earlier(), assistant('ça va ✓')];
  assert.equal(memo(null, [...h, user('1')]), fresh(null, [...h, user('1')]));
  const fork = [...h.slice(0, 9), user('ünïcödé')];
  assert.equal(memo(null, fork), fresh(null, fork));
  assert.equal(memo(null, [...h, user('2')]), fresh(null, [...h, user('2')]));
});
