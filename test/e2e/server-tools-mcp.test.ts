/**
 * MCP tools run by Switchboard as the MCP client, against a real MCP server (the SDK's McpServer over
 * Streamable HTTP on loopback) with a tool that needs approval, one that fails and one that is slow. Each flow
 * through the `openai` SDK on the Chat Completions and Anthropic kinds: the items and their events, what the
 * model was told, approvals resumed by previous_response_id, by conversation and with store:false, credentials
 * never echoed, a dead server and a refused address.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSwitchboard, type TestServer } from '../helpers/switchboard.js';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import { startFakeAnthropic } from '../fakes/fake-anthropic.js';
import { startMcpServer } from '../fakes/mcp-server.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { assertInOrder, toolNamesIn, toolResultsIn } from '../helpers/tool-results.js';

type Kind = 'chat' | 'anthropic';
const fakes = {} as Record<Kind, FakeUpstream>;
let mcp: Awaited<ReturnType<typeof startMcpServer>>;
let sb: TestServer;
let strict: TestServer;

before(async () => {
  fakes.chat = await startFakeChatCompletions();
  fakes.anthropic = await startFakeAnthropic();
  mcp = await startMcpServer();
  const providers = [
    { name: 'chat', kind: 'openai-chat', base_url: fakes.chat.baseUrl },
    { name: 'anthropic', kind: 'anthropic', base_url: fakes.anthropic.baseUrl, api_key: 'k' },
  ];
  sb = await startSwitchboard({ providers, tools: { mcp: { allow_hosts: ['127.0.0.1'] } } });
  strict = await startSwitchboard({ providers });
});
after(async () => {
  await sb?.close();
  await strict?.close();
  await mcp?.close();
  for (const f of Object.values(fakes)) await f?.close();
});

const tool = (extra: Record<string, unknown> = {}) => ({
  type: 'mcp' as const, server_label: 'calc', server_url: mcp.url, require_approval: 'never' as const, ...extra,
});

for (const kind of ['chat', 'anthropic'] as Kind[]) {
  describe(`mcp on ${kind}`, () => {
    test('tools listed, a call run inside the response, its output fed back; credentials used and never echoed', async () => {
      const n = fakes[kind].received.length;
      const calls = mcp.calls.length;
      fakes[kind].enqueue(
        { kind: 'reply', toolCalls: [{ name: 'mcp__calc__add', arguments: '{"a":2,"b":3}' }] },
        { kind: 'reply', text: 'The sum is 5.' },
      );
      const r = await sb.client().responses.create({
        model: `${kind}/m`, input: 'Add 2 and 3.',
        tools: [tool({ headers: { 'X-Trace': 'trace-1' }, authorization: 'secret-token-123' })] as any,
      });
      assert.deepEqual(r.output.map((i) => i.type), ['mcp_list_tools', 'mcp_call', 'message']);
      const list = r.output[0] as any;
      assert.deepEqual(list.tools.map((t: any) => t.name).sort(), ['add', 'broken', 'delete_file', 'echo_headers', 'read_notes', 'slow']);
      const call = r.output[1] as any;
      assert.equal(call.status, 'completed');
      assert.equal(call.name, 'add');
      assert.equal(call.server_label, 'calc');
      assert.equal(call.arguments, '{"a":2,"b":3}');
      assert.match(call.output, /5/);
      assert.equal(call.error, null);
      // The MCP server got the call with the credentials.
      const got = mcp.calls.slice(calls);
      assert.equal(got.length, 1);
      assert.deepEqual(got[0].args, { a: 2, b: 3 });
      assert.equal(String(got[0].headers.authorization), 'Bearer secret-token-123');
      assert.equal(String(got[0].headers['x-trace']), 'trace-1');
      // The model was offered the server's tools and told the result.
      const seen = fakes[kind].received.slice(n);
      assert.ok(toolNamesIn(kind, seen[0].body).includes('mcp__calc__add'));
      assert.ok(!JSON.stringify(seen[0].body.tools).includes('$schema'), 'the MCP schema dialect stamp is not passed on');
      assert.match(toolResultsIn(kind, seen[1].body)[0].text, /5/);
      // Never echoed nor stored in clear.
      const echoed = JSON.stringify(r.tools);
      assert.ok(!echoed.includes('secret-token-123') && !echoed.includes('trace-1'), echoed);
      const stored = await sb.client().responses.retrieve(r.id);
      assert.ok(!JSON.stringify(stored).includes('secret-token-123'));
    });

    test('streamed: list, argument and call events in order (strict helper)', async () => {
      fakes[kind].enqueue(
        { kind: 'reply', toolCalls: [{ name: 'mcp__calc__add', arguments: '{"a":1,"b":1}' }] },
        { kind: 'reply', text: 'Two.' },
      );
      const stream = sb.client().responses.stream({ model: `${kind}/m`, input: '1+1?', tools: [tool()] as any });
      const types: string[] = [];
      for await (const e of stream) types.push(e.type);
      const final = await stream.finalResponse();
      assert.deepEqual(final.output.map((i) => i.type), ['mcp_list_tools', 'mcp_call', 'message']);
      const order = [
        'response.created', 'response.in_progress', 'response.output_item.added', 'response.mcp_list_tools.in_progress',
        'response.mcp_list_tools.completed', 'response.output_item.done', 'response.output_item.added',
        'response.mcp_call_arguments.delta', 'response.mcp_call_arguments.done', 'response.mcp_call.in_progress',
        'response.mcp_call.completed', 'response.output_item.done', 'response.output_item.added', 'response.output_text.delta',
        'response.completed',
      ];
      assertInOrder(types, order);
    });

    test('a failing tool is a failed mcp_call the model sees, not a failed response', async () => {
      const n = fakes[kind].received.length;
      fakes[kind].enqueue(
        { kind: 'reply', toolCalls: [{ name: 'mcp__calc__broken', arguments: '{}' }] },
        { kind: 'reply', text: 'The tool failed.' },
      );
      const r = await sb.client().responses.create({ model: `${kind}/m`, input: 'Try the broken tool.', tools: [tool()] as any });
      assert.equal(r.status, 'completed');
      const call = r.output.find((i) => i.type === 'mcp_call') as any;
      assert.equal(call.status, 'failed');
      assert.ok(call.error);
      assert.match(toolResultsIn(kind, fakes[kind].received[n + 1].body)[0].text, /^Error: /);
    });

    test('approval: the response ends with a request; an approving answer by previous_response_id runs the call', async () => {
      const calls = mcp.calls.length;
      fakes[kind].enqueue({ kind: 'reply', toolCalls: [{ name: 'mcp__calc__delete_file', arguments: '{"path":"/tmp/x"}' }] });
      const approvalTool = tool({ require_approval: { always: { tool_names: ['delete_file'] }, never: { tool_names: ['add'] } } });
      const first = await sb.client().responses.create({ model: `${kind}/m`, input: 'Delete /tmp/x.', tools: [approvalTool] as any });
      assert.equal(first.status, 'completed');
      assert.deepEqual(first.output.map((i) => i.type), ['mcp_list_tools', 'mcp_approval_request']);
      const req = first.output[1] as any;
      assert.equal(req.name, 'delete_file');
      assert.equal(req.arguments, '{"path":"/tmp/x"}');
      assert.equal(mcp.calls.length, calls, 'not run before approval');

      const n = fakes[kind].received.length;
      fakes[kind].enqueue({ kind: 'reply', text: 'Deleted.' });
      const second = await sb.client().responses.create({
        model: `${kind}/m`, previous_response_id: first.id, tools: [approvalTool] as any,
        input: [{ type: 'mcp_approval_response', approval_request_id: req.id, approve: true }] as any,
      });
      assert.deepEqual(second.output.map((i) => i.type), ['mcp_call', 'message'], 'the list is reused from the history');
      const call = second.output[0] as any;
      assert.equal(call.approval_request_id, req.id);
      assert.equal(call.status, 'completed');
      assert.equal(mcp.calls.length, calls + 1);
      assert.deepEqual(mcp.calls.at(-1)!.args, { path: '/tmp/x' });
      const results = toolResultsIn(kind, fakes[kind].received[n].body);
      assert.equal(results.length, 1, 'the model sees the approved call and its result');
    });

    test('approval denied with a reason: nothing runs and the model is told why', async () => {
      const calls = mcp.calls.length;
      fakes[kind].enqueue({ kind: 'reply', toolCalls: [{ name: 'mcp__calc__delete_file', arguments: '{"path":"/etc"}' }] });
      const first = await sb.client().responses.create({ model: `${kind}/m`, input: 'Delete /etc.', tools: [tool({ require_approval: 'always' })] as any });
      const req = first.output.find((i) => i.type === 'mcp_approval_request') as any;
      const n = fakes[kind].received.length;
      fakes[kind].enqueue({ kind: 'reply', text: 'OK, I will not.' });
      const second = await sb.client().responses.create({
        model: `${kind}/m`, previous_response_id: first.id, tools: [tool({ require_approval: 'always' })] as any,
        input: [{ type: 'mcp_approval_response', approval_request_id: req.id, approve: false, reason: 'too dangerous' }] as any,
      });
      assert.deepEqual(second.output.map((i) => i.type), ['message']);
      assert.equal(mcp.calls.length, calls);
      assert.match(toolResultsIn(kind, fakes[kind].received[n].body)[0].text, /denied.*too dangerous/);
    });
  });
}

test('approval resumed with store:false: the client resends the items (Codex style)', async () => {
  const calls = mcp.calls.length;
  fakes.chat.enqueue({ kind: 'reply', toolCalls: [{ name: 'mcp__calc__delete_file', arguments: '{"path":"/a"}' }] });
  const t = tool({ require_approval: 'always' });
  const userMsg = { type: 'message', role: 'user', content: 'Delete /a.' };
  const first = await sb.client().responses.create({ model: 'chat/m', store: false, input: [userMsg] as any, tools: [t] as any });
  const req = first.output.find((i) => i.type === 'mcp_approval_request') as any;
  fakes.chat.enqueue({ kind: 'reply', text: 'Done.' });
  const second = await sb.client().responses.create({
    model: 'chat/m', store: false, tools: [t] as any,
    input: [userMsg, ...first.output, { type: 'mcp_approval_response', approval_request_id: req.id, approve: true }] as any,
  });
  assert.deepEqual(second.output.map((i) => i.type), ['mcp_call', 'message']);
  assert.equal(mcp.calls.length, calls + 1);
});

test('approval resumed through a conversation', async () => {
  const conv = await sb.client().conversations.create({});
  const t = tool({ require_approval: 'always' });
  fakes.anthropic.enqueue({ kind: 'reply', toolCalls: [{ name: 'mcp__calc__add', arguments: '{"a":4,"b":4}' }] });
  const first = await sb.client().responses.create({ model: 'anthropic/m', conversation: conv.id, input: 'Add 4 and 4.', tools: [t] as any });
  const req = first.output.find((i) => i.type === 'mcp_approval_request') as any;
  fakes.anthropic.enqueue({ kind: 'reply', text: 'Eight.' });
  const second = await sb.client().responses.create({
    model: 'anthropic/m', conversation: conv.id, tools: [t] as any,
    input: [{ type: 'mcp_approval_response', approval_request_id: req.id, approve: true }] as any,
  });
  assert.deepEqual(second.output.map((i) => i.type), ['mcp_call', 'message']);
  assert.match((second.output[0] as any).output, /8/);
  // The conversation holds every item, shown as clients see them (what the model was told stays inside).
  const items = await sb.client().conversations.items.list(conv.id, { order: 'asc' });
  const types = items.data.map((i) => i.type);
  assert.deepEqual(types.filter((t) => t.startsWith('mcp_')), ['mcp_list_tools', 'mcp_approval_request', 'mcp_approval_response', 'mcp_call']);
  assert.ok(!JSON.stringify(items.data).includes('_switchboard_model_output'));
});

test('a server that is down: its list fails, the response still answers', async () => {
  fakes.chat.enqueue({ kind: 'reply', text: 'No tools today.' });
  const r = await sb.client().responses.create({
    model: 'chat/m', input: 'hi', tools: [{ type: 'mcp', server_label: 'gone', server_url: 'http://127.0.0.1:9/mcp', require_approval: 'never' }] as any,
  });
  assert.equal(r.status, 'completed');
  assert.deepEqual(r.output.map((i) => i.type), ['mcp_list_tools', 'message']);
  assert.equal((r.output[0] as any).status, 'failed');
  assert.ok((r.output[0] as any).error);
});

test('a loopback server URL is refused (400 at the tool) unless allow-listed', async () => {
  const err = await strict.client().responses.create({ model: 'chat/m', input: 'hi', tools: [tool()] as any }).then(() => null, (e) => e);
  assert.equal(err?.status, 400);
  assert.equal(err.error.param, 'tools[0].server_url');
});

test('a background cancel stops a slow call in flight', async () => {
  fakes.chat.enqueue({ kind: 'reply', toolCalls: [{ name: 'mcp__calc__slow', arguments: '{"ms":20000}' }] });
  const client = sb.client();
  const r = await client.responses.create({ model: 'chat/m', input: 'slow', background: true, tools: [tool()] as any });
  const t0 = Date.now();
  for (let i = 0; i < 200 && !mcp.calls.some((c) => c.name === 'slow'); i++) await new Promise((res) => setTimeout(res, 25));
  assert.ok(mcp.calls.some((c) => c.name === 'slow'), 'the slow call started');
  const cancelled = await client.responses.cancel(r.id);
  assert.equal(cancelled.status, 'cancelled');
  assert.ok(Date.now() - t0 < 10_000);
  const call = cancelled.output.find((i) => i.type === 'mcp_call') as any;
  assert.equal(call.status, 'incomplete');
});
