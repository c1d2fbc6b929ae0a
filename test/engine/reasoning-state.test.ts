/** Each vendor gets back only its own reasoning state, and the same copy of an item every turn. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Item } from '../../src/api/items.js';
import { reasoningStateFor, tagSignature } from '../../src/engine/reasoning-state.js';

test('own blobs untagged, other vendors\' removed, untagged ones unchanged; stable copies per item and kind', () => {
  const anthropic = { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: tagSignature('anthropic', 'sig-a') } as Item;
  const openai = { type: 'reasoning', id: 'rs_2', summary: [], encrypted_content: tagSignature('openai', 'blob-o') } as Item;
  const foreign = { type: 'reasoning', id: 'rs_3', summary: [], encrypted_content: 'untagged' } as Item;
  const message = { type: 'message', role: 'user', content: [] } as unknown as Item;
  const input = [message, anthropic, openai, foreign];

  const forAnthropic = reasoningStateFor('anthropic', input);
  assert.equal(forAnthropic[1].encrypted_content, 'sig-a');
  assert.equal(forAnthropic[2].encrypted_content, null);
  assert.equal(forAnthropic[3], foreign);
  assert.equal(forAnthropic[0], message);
  assert.equal(anthropic.encrypted_content, tagSignature('anthropic', 'sig-a'), 'the stored item is not touched');

  const again = reasoningStateFor('anthropic', [...input, message]);
  assert.equal(again[1], forAnthropic[1], 'the same copy next turn');
  const forOpenAI = reasoningStateFor('openai', input);
  assert.equal(forOpenAI[2].encrypted_content, 'blob-o');
  assert.equal(forOpenAI[1].encrypted_content, null);
  assert.deepEqual(reasoningStateFor('gemini', [message]), [message]);
});
