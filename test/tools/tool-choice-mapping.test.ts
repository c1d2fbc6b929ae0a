/**
 * What a function-calling model is offered and forced when a request names hosted tools (withToolFunctions): the
 * server-run entries become their functions once, other tools stay, and tool_choice / allowed_tools naming a
 * hosted or MCP tool name its function(s).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withToolFunctions } from '../../src/tools/server-tools.js';
import { ToolSession } from '../../src/tools/tool-session.js';
import type { ToolKit } from '../../src/tools/types.js';
import type { CreateParams } from '../../src/api/create-params.js';

const kit = (type: string, names: string[]): ToolKit => ({
  type,
  functions: names.map((name) => ({ type: 'function', name, description: name, parameters: { type: 'object' }, strict: false })),
  call: () => { throw new Error('not called'); },
});
const session = new ToolSession([
  kit('web_search', ['web_search', 'web_open_page', 'web_find_in_page']),
  kit('mcp', ['mcp__calc__add', 'mcp__calc__sub']),
  kit('mcp', ['mcp__wiki__ask']),
], { ctx: { requestId: 'r', tenant: 't', keyId: null }, maxTurns: 10 });
const runTypes = new Set(['web_search', 'mcp']);
const base: CreateParams = {
  model: 'p/m',
  tools: [
    { type: 'function', name: 'client_fn', parameters: {} } as never,
    { type: 'web_search' } as never,
    { type: 'mcp', server_label: 'calc' } as never,
    { type: 'mcp', server_label: 'wiki' } as never,
    { type: 'image_generation' } as never,
  ],
};

test('server-run entries become their functions once, in place; other tools stay', () => {
  const out = withToolFunctions(base, runTypes, session);
  assert.deepEqual(out.tools!.map((t) => `${t.type}:${(t as { name?: string }).name ?? ''}`), [
    'function:client_fn', 'function:web_search', 'function:web_open_page', 'function:web_find_in_page',
    'function:mcp__calc__add', 'function:mcp__calc__sub', 'function:mcp__wiki__ask', 'image_generation:',
  ]);
  assert.equal(base.tools!.length, 5, 'the request is not changed');
});

test('tool_choice naming a hosted tool names its function; an MCP server without a tool name allows its tools', () => {
  const choice = (c: unknown) => withToolFunctions({ ...base, tool_choice: c as never }, runTypes, session).tool_choice;
  assert.deepEqual(choice({ type: 'web_search' }), { type: 'function', name: 'web_search' });
  assert.deepEqual(choice({ type: 'mcp', server_label: 'calc', name: 'sub' }), { type: 'function', name: 'mcp__calc__sub' });
  assert.deepEqual(choice({ type: 'mcp', server_label: 'wiki' }), { type: 'function', name: 'mcp__wiki__ask' });
  assert.deepEqual(choice({ type: 'mcp', server_label: 'calc' }), {
    type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'mcp__calc__add' }, { type: 'function', name: 'mcp__calc__sub' }],
  });
  assert.deepEqual(choice({ type: 'function', name: 'client_fn' }), { type: 'function', name: 'client_fn' });
  assert.equal(choice('required'), 'required');
});

test('allowed_tools entries naming hosted or MCP tools stand for their functions; max_tool_calls spent → none', () => {
  const out = withToolFunctions({
    ...base, tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'client_fn' }, { type: 'mcp', server_label: 'wiki' }, { type: 'web_search' }] },
  }, runTypes, session);
  assert.deepEqual(out.tool_choice, {
    type: 'allowed_tools', mode: 'auto',
    tools: [{ type: 'function', name: 'client_fn' }, { type: 'function', name: 'mcp__wiki__ask' }, { type: 'function', name: 'web_search' }],
  });
  assert.equal(withToolFunctions({ ...base, tool_choice: { type: 'web_search' } as never }, runTypes, session, true).tool_choice, 'none');
});
