/** require_approval, allowed_tools and the redaction of an mcp tool definition, as OpenAI defines them. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { filterAllowedTools, needsApproval, redactMcpTool } from '../../src/tools/mcp/approval.js';
import type { McpToolInfo } from '../../src/tools/mcp/mcp-client.js';

const RO = { readOnlyHint: true };

describe('needsApproval', () => {
  test("absent or null means 'always' (OpenAI's default)", () => {
    assert.equal(needsApproval(undefined, 'add'), true);
    assert.equal(needsApproval(null, 'add'), true);
  });

  test("'always' and 'never'", () => {
    assert.equal(needsApproval('always', 'add'), true);
    assert.equal(needsApproval('never', 'delete_file'), false);
  });

  test('object form: never-listed tools run freely, always-listed and unlisted tools need approval', () => {
    const policy = { never: { tool_names: ['add', 'echo_headers'] }, always: { tool_names: ['delete_file'] } };
    assert.equal(needsApproval(policy, 'add'), false);
    assert.equal(needsApproval(policy, 'echo_headers'), false);
    assert.equal(needsApproval(policy, 'delete_file'), true);
    assert.equal(needsApproval(policy, 'slow'), true, 'in neither list');
    assert.equal(needsApproval({ always: { tool_names: ['delete_file'] } }, 'add'), true, 'no never list');
    assert.equal(needsApproval({ never: { tool_names: ['add'] } }, 'delete_file'), true, 'no always list');
  });

  test('a tool in both lists needs approval', () => {
    assert.equal(needsApproval({ always: { tool_names: ['x'] }, never: { tool_names: ['x'] } }, 'x'), true);
  });

  test('read_only filters use the readOnlyHint annotation', () => {
    const policy = { never: { read_only: true } };
    assert.equal(needsApproval(policy, 'add', RO), false);
    assert.equal(needsApproval(policy, 'delete_file', { destructiveHint: true }), true);
    assert.equal(needsApproval(policy, 'delete_file', null), true);
    assert.equal(needsApproval(policy, 'add'), true, 'no annotations known: not read-only');
    // Both criteria must hold.
    assert.equal(needsApproval({ never: { read_only: true, tool_names: ['add'] } }, 'read_notes', RO), true);
    assert.equal(needsApproval({ never: { read_only: true, tool_names: ['add'] } }, 'add', RO), false);
  });

  test('an empty filter or an unknown value exempts nothing', () => {
    assert.equal(needsApproval({ never: {} }, 'add'), true);
    assert.equal(needsApproval({}, 'add'), true);
    assert.equal(needsApproval('sometimes', 'add'), true);
    assert.equal(needsApproval(['add'], 'add'), true);
  });
});

describe('filterAllowedTools', () => {
  const tools: McpToolInfo[] = [
    { name: 'add', input_schema: { type: 'object' }, annotations: RO },
    { name: 'delete_file', input_schema: { type: 'object' }, annotations: { destructiveHint: true } },
    { name: 'slow', input_schema: { type: 'object' }, annotations: null },
  ];
  const names = (t: McpToolInfo[]) => t.map((x) => x.name);

  test('absent or null keeps every tool', () => {
    assert.deepEqual(names(filterAllowedTools(tools, undefined)), ['add', 'delete_file', 'slow']);
    assert.deepEqual(names(filterAllowedTools(tools, null)), ['add', 'delete_file', 'slow']);
  });

  test('a list of names keeps those, in the server order', () => {
    assert.deepEqual(names(filterAllowedTools(tools, ['slow', 'add', 'missing'])), ['add', 'slow']);
    assert.deepEqual(names(filterAllowedTools(tools, [])), []);
  });

  test('the filter object: tool_names, read_only, both', () => {
    assert.deepEqual(names(filterAllowedTools(tools, { tool_names: ['delete_file'] })), ['delete_file']);
    assert.deepEqual(names(filterAllowedTools(tools, { read_only: true })), ['add']);
    assert.deepEqual(names(filterAllowedTools(tools, { read_only: false })), ['delete_file', 'slow']);
    assert.deepEqual(names(filterAllowedTools(tools, { read_only: true, tool_names: ['add', 'slow'] })), ['add']);
    assert.deepEqual(names(filterAllowedTools(tools, {})), ['add', 'delete_file', 'slow']);
  });
});

describe('redactMcpTool', () => {
  test('header names are kept with their values replaced; authorization is dropped; the input is untouched', () => {
    const tool = {
      type: 'mcp', server_label: 'x', server_url: 'https://mcp.example/mcp', authorization: 'tok',
      headers: { 'X-Api-Key': 'secret', Authorization: 'Bearer secret' }, require_approval: 'never', allowed_tools: ['add'],
    };
    const out = redactMcpTool(tool);
    assert.deepEqual(out, {
      type: 'mcp', server_label: 'x', server_url: 'https://mcp.example/mcp',
      headers: { 'X-Api-Key': '<redacted>', Authorization: '<redacted>' }, require_approval: 'never', allowed_tools: ['add'],
    });
    assert.ok(!JSON.stringify(out).includes('secret') && !JSON.stringify(out).includes('tok'));
    assert.equal(tool.authorization, 'tok');
    assert.equal(tool.headers['X-Api-Key'], 'secret');
  });

  test('null or absent headers stay as they were', () => {
    assert.deepEqual(redactMcpTool({ type: 'mcp', server_label: 'x', headers: null }), { type: 'mcp', server_label: 'x', headers: null });
    assert.deepEqual(redactMcpTool({ type: 'mcp', server_label: 'x' }), { type: 'mcp', server_label: 'x' });
  });
});
