import { test } from 'node:test';
import assert from 'node:assert/strict';
import { earlierSources } from '../../src/tools/earlier-sources.js';
import { MODEL_OUTPUT_KEY } from '../../src/tools/types.js';

const user = (text: string) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });
const search = (told: string, sources?: string[]) => ({
  type: 'web_search_call', id: 'ws_1', status: 'completed',
  action: { type: 'search', query: 'q', ...(sources ? { sources: sources.map((url) => ({ type: 'url', url })) } : {}) },
  ...(told ? { [MODEL_OUTPUT_KEY]: told } : {}),
});

test('the sources of hosted calls since the last user message: page lines the model was shown, action.sources, file results', () => {
  const told = '[1] Release notes — https://ex.com/notes\nSwitchboard 1.0 was released.\n\n[2] Blog — https://ex.com/blog\nMore.';
  const items = [
    user('old turn'),
    search('[1] Old — https://old.example/'),
    user('this turn'),
    search(told, ['https://ex.com/notes', 'https://ex.com/other']),
    { type: 'file_search_call', id: 'fs_1', status: 'completed', queries: ['q'], results: [{ file_id: 'file_1', filename: 'a.md', score: 1, text: 't', attributes: {} }] },
    { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' },
  ];
  assert.deepEqual(earlierSources(items as any), [
    { kind: 'url', url: 'https://ex.com/notes', title: 'Release notes' },
    { kind: 'url', url: 'https://ex.com/blog', title: 'Blog' },
    { kind: 'url', url: 'https://ex.com/other', title: 'https://ex.com/other' },
    { kind: 'file', file_id: 'file_1', filename: 'a.md' },
  ]);
});

test('nothing since the last user message, nothing to cite', () => {
  assert.deepEqual(earlierSources([search('[1] A — https://a.example/'), user('new question')] as any), []);
  assert.deepEqual(earlierSources([] as any), []);
});
