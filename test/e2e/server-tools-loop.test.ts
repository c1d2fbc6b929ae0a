/**
 * The agent loop's limits and concurrency through the `openai` SDK, with a real MCP server and a Chat
 * Completions fake: max_tool_calls counts server-side calls, the turn cap ends a runaway loop, several calls of
 * one turn run at once, a client that disconnects stops the call in flight, and a store:false client that
 * resends the hosted items (Codex) has them shown to the model again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSwitchboard, type TestServer } from '../helpers/switchboard.js';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import { startMcpServer } from '../fakes/mcp-server.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { toolResultsIn } from '../helpers/tool-results.js';

let chat: FakeUpstream;
let mcp: Awaited<ReturnType<typeof startMcpServer>>;
let sb: TestServer;

before(async () => {
  chat = await startFakeChatCompletions();
  mcp = await startMcpServer();
  sb = await startSwitchboard({
    providers: [{ name: 'chat', kind: 'openai-chat', base_url: chat.baseUrl }],
    tools: { max_turns: 3, mcp: { allow_hosts: ['127.0.0.1'] } },
  });
});
after(async () => {
  await sb?.close();
  await mcp?.close();
  await chat?.close();
});

const tools = () => [{ type: 'mcp', server_label: 'calc', server_url: mcp.url, require_approval: 'never' }] as any;
const add = (a: number, b: number) => ({ name: 'mcp__calc__add', arguments: JSON.stringify({ a, b }) });

test('max_tool_calls counts server-side calls: past it they are ignored and the model must answer without tools', async () => {
  const n = chat.received.length;
  const calls = mcp.calls.length;
  chat.enqueue({ kind: 'reply', toolCalls: [add(1, 1), add(2, 2)] }, { kind: 'reply', text: 'Only one sum.' });
  const r = await sb.client().responses.create({ model: 'chat/m', input: 'sums', tools: tools(), max_tool_calls: 1 } as any) as any;
  assert.equal(r.status, 'completed');
  assert.equal(r.output.filter((i: any) => i.type === 'mcp_call').length, 1);
  assert.equal(mcp.calls.length - calls, 1);
  assert.equal(chat.received[n + 1].body.tool_choice, 'none');
});

test('the turn cap (tools.max_turns) ends a runaway loop incomplete', async () => {
  const n = chat.received.length;
  chat.enqueue({ kind: 'reply', toolCalls: [add(1, 0)] }, { kind: 'reply', toolCalls: [add(2, 0)] }, { kind: 'reply', toolCalls: [add(3, 0)] });
  const r = await sb.client().responses.create({ model: 'chat/m', input: 'loop', tools: tools() });
  assert.equal(r.status, 'incomplete');
  assert.deepEqual(r.incomplete_details, { reason: 'max_tool_turns' });
  assert.equal(chat.received.length - n, 3, 'three model turns');
  assert.equal(r.output.filter((i) => i.type === 'mcp_call').length, 3);
});

test('calls of one turn run concurrently; each item is done when its call ends', async () => {
  chat.enqueue(
    { kind: 'reply', toolCalls: [{ name: 'mcp__calc__slow', arguments: '{"ms":400}' }, add(5, 5)] },
    { kind: 'reply', text: 'Both done.' },
  );
  const t0 = Date.now();
  const stream = sb.client().responses.stream({ model: 'chat/m', input: 'both', tools: tools() });
  const done: string[] = [];
  for await (const e of stream) if (e.type === 'response.output_item.done' && e.item.type === 'mcp_call') done.push(e.item.name);
  const final = await stream.finalResponse();
  assert.deepEqual(final.output.filter((i) => i.type === 'mcp_call').map((i: any) => i.name), ['slow', 'add'], 'items in the order called');
  assert.deepEqual(done, ['add', 'slow'], 'the quick call finished first');
  assert.ok(Date.now() - t0 < 5000);
});

test('a streaming client that disconnects stops the call in flight; the response is stored cancelled', async () => {
  chat.enqueue({ kind: 'reply', toolCalls: [{ name: 'mcp__calc__slow', arguments: '{"ms":20000}' }] });
  const cancelledBefore = mcp.cancelled.length;
  const ac = new AbortController();
  const stream = sb.client().responses.stream({ model: 'chat/m', input: 'slow', tools: tools() }, { signal: ac.signal });
  let id = '';
  try {
    for await (const e of stream) {
      if (e.type === 'response.created') id = e.response.id;
      if (e.type === 'response.mcp_call.in_progress') {
        // Leave once the MCP server is running the call (connecting to it takes a moment).
        void (async () => {
          for (let i = 0; i < 400 && !mcp.calls.some((c) => c.name === 'slow' && (c.args as any).ms === 20000); i++) await new Promise((r) => setTimeout(r, 10));
          ac.abort();
        })();
      }
    }
  } catch {
    // the abort
  }
  assert.ok(id);
  let stored: any = null;
  for (let i = 0; i < 200; i++) {
    stored = await sb.client().responses.retrieve(id);
    if (stored.status !== 'in_progress') break;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.equal(stored.status, 'cancelled');
  const call = stored.output.find((i: any) => i.type === 'mcp_call');
  assert.equal(call.status, 'incomplete');
  assert.equal(call.arguments, '{"ms":20000}', 'the arguments the model gave, though the call never finished');
  for (let i = 0; i < 200 && mcp.cancelled.length === cancelledBefore; i++) await new Promise((r) => setTimeout(r, 25));
  assert.equal(mcp.cancelled.length, cancelledBefore + 1, 'the MCP server was told to cancel the call');
});

test('store:false with the items resent (Codex): the earlier call and its output reach the model again', async () => {
  chat.enqueue({ kind: 'reply', toolCalls: [add(20, 22)] }, { kind: 'reply', text: '42.' });
  const user = { type: 'message', role: 'user', content: 'Add 20 and 22.' };
  const first = await sb.client().responses.create({ model: 'chat/m', store: false, input: [user] as any, tools: tools() });
  const n = chat.received.length;
  chat.enqueue({ kind: 'reply', text: 'It was 42.' });
  await sb.client().responses.create({
    model: 'chat/m', store: false, tools: tools(),
    input: [user, ...first.output, { type: 'message', role: 'user', content: 'What was it?' }] as any,
  });
  const results = toolResultsIn('chat', chat.received[n].body);
  assert.equal(results.length, 1);
  assert.match(results[0].text, /42/);
});

test('WebSocket mode: a turn with an MCP call and a store:false continuation that sees it', async () => {
  const { WsClient } = await import('../helpers/ws-client.js');
  const ws = await WsClient.connect(sb.url);
  try {
    chat.enqueue({ kind: 'reply', toolCalls: [add(3, 4)] }, { kind: 'reply', text: 'Seven.' });
    // Hosted tool types are OpenAI's, not in the Open Responses create schema the helper's create() checks.
    ws.sendRaw(JSON.stringify({ type: 'response.create', model: 'chat/m', store: false, input: 'Add 3 and 4.', tools: tools() }));
    const first = await ws.turn();
    assert.deepEqual(first.response.output.map((i: any) => i.type), ['mcp_list_tools', 'mcp_call', 'message']);
    const types = first.events.map((e: any) => e.type);
    assert.ok(types.indexOf('response.mcp_call.completed') > types.indexOf('response.mcp_call_arguments.done'));
    const n = chat.received.length;
    chat.enqueue({ kind: 'reply', text: 'It was seven.' });
    ws.sendRaw(JSON.stringify({ type: 'response.create', model: 'chat/m', store: false, previous_response_id: first.response.id, input: 'What was it?', tools: tools() }));
    const second = await ws.turn();
    assert.equal(second.response.status, 'completed');
    assert.deepEqual(second.response.output.map((i: any) => i.type), ['message'], 'the list is reused from the connection-local history');
    assert.match(toolResultsIn('chat', chat.received[n].body)[0].text, /7/);
  } finally {
    await ws.close();
  }
});
