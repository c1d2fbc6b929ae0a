import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shownToolInfo, toToolInfo } from '../../src/tools/mcp/tool-result.js';

test('a listed tool without description or annotations is shown without them, not with nulls (the AI SDK rejects null)', () => {
  const bare = toToolInfo({ name: 'slow', inputSchema: { type: 'object' } });
  assert.equal(bare.annotations, null);
  assert.deepEqual(shownToolInfo(bare), { name: 'slow', input_schema: { type: 'object' } });
  const full = toToolInfo({ name: 'add', description: 'Adds.', inputSchema: { type: 'object' }, annotations: { readOnlyHint: true } });
  assert.deepEqual(shownToolInfo(full), { name: 'add', description: 'Adds.', input_schema: { type: 'object' }, annotations: { readOnlyHint: true } });
});
