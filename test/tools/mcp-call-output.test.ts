/** What the model is told of an MCP result is bounded; the mcp_call item keeps the whole output. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MCP_MODEL_OUTPUT_CHARS, runMcpCall } from '../../src/tools/kits/mcp-kit.js';

const connector = (output: string) => ({
  async open() {
    return { transport: 'streamable-http' as const, async listTools() { return []; }, async callTool() { return { ok: true as const, output }; }, async close() {} };
  },
});
const io = { ctx: { requestId: 'r', tenant: 't', keyId: null }, signal: new AbortController().signal, progress() {} };

test('a huge result is cut for the model, kept whole in the item', async () => {
  const big = 'x'.repeat(MCP_MODEL_OUTPUT_CHARS * 3);
  const out = await runMcpCall({ type: 'mcp', server_label: 's', server_url: 'http://h' }, connector(big) as never, 'read', '{}', io);
  assert.equal(out.item.output, big);
  assert.ok(out.output.length < MCP_MODEL_OUTPUT_CHARS + 200);
  assert.match(out.output, /more characters of this result were cut/);
});

test('a small result reaches the model as it is', async () => {
  const out = await runMcpCall({ type: 'mcp', server_label: 's', server_url: 'http://h' }, connector('42') as never, 'add', '{}', io);
  assert.equal(out.output, '42');
  assert.equal(out.item.status, 'completed');
});
