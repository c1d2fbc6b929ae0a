/**
 * The OpenAI Agents SDK (`@openai/agents` 0.9, Responses model), unmodified but for its OpenAI client's base URL,
 * with its hosted tools — webSearchTool, hostedMcpTool (with and without approval), fileSearchTool,
 * codeInterpreterTool — run by Switchboard itself in front of Chat-Completions and Anthropic fakes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import {
  Agent,
  codeInterpreterTool,
  fileSearchTool,
  hostedMcpTool,
  run,
  setDefaultOpenAIClient,
  setOpenAIAPI,
  setTracingDisabled,
  tool,
  webSearchTool,
} from '@openai/agents';
import { z } from 'zod';
import { LOOPBACK_HOSTS } from '../helpers/connection-recorder.js';
import { toolNamesIn, toolResultsIn } from '../helpers/tool-results.js';
import { citedAnswer, startClientRig, type ClientRig, type Kind } from '../helpers/server-tools-client-rig.js';

setTracingDisabled(true);
setOpenAIAPI('responses');

type AgentsOpenAI = Parameters<typeof setDefaultOpenAIClient>[0];
let rig: ClientRig;

before(async () => {
  rig = await startClientRig();
  setDefaultOpenAIClient(new OpenAI({
    baseURL: `${rig.sb.url}/v1`, apiKey: 'x', maxRetries: 0, timeout: 20_000, fetch: rig.fetch,
  }) as unknown as AgentsOpenAI);
});
after(() => rig?.close());

const bounded = () => AbortSignal.timeout(20_000);
const model = (kind: Kind) => `${kind}/m`;
/** The raw item of each run item, as the SDK keeps it. */
const raw = (items: any[]) => items.map((i) => ({ type: i.type, raw: i.rawItem }));

for (const kind of ['chat', 'anthropic'] as Kind[]) {
  describe(`Agents SDK webSearchTool on ${kind}`, { timeout: 60_000 }, () => {
    const script = () => {
      const answer = citedAnswer(rig.pageUrl);
      rig.fakes[kind].enqueue(
        { kind: 'reply', toolCalls: [{ name: 'web_search', arguments: '{"query":"switchboard release date"}' }] },
        { kind: 'reply', text: answer },
      );
      return answer;
    };

    test('run(): the cited answer, the search as a hosted_tool_call item', async () => {
      const n = rig.fakes[kind].received.length;
      const answer = script();
      const agent = new Agent({ name: 'Searcher', instructions: 'Search, then answer.', model: model(kind), tools: [webSearchTool()] });
      const result = await run(agent, 'When was Switchboard 1.0 released?', { signal: bounded() });
      assert.equal(result.finalOutput, answer);
      const items = raw(result.newItems);
      assert.deepEqual(items.map((i) => i.type), ['tool_call_item', 'message_output_item']);
      const call = items[0].raw;
      assert.equal(call.type, 'hosted_tool_call');
      assert.equal(call.name, 'web_search_call');
      assert.equal(call.status, 'completed');
      assert.equal(call.providerData.action.type, 'search');
      assert.equal(call.providerData.action.query, 'switchboard release date');
      // The SDK keeps an output_text's annotations in its providerData.
      const annotations = (items[1].raw.content[0] as any).providerData.annotations;
      assert.equal(annotations[0].type, 'url_citation');
      assert.equal(annotations[0].url, rig.pageUrl);
      // What the client sent passed validation; the upstream saw the search function and its result.
      assert.deepEqual(rig.sent.at(-1).tools, [{ type: 'web_search', search_context_size: 'medium' }]);
      const seen = rig.fakes[kind].received.slice(n);
      assert.equal(seen.length, 2);
      assert.ok(toolNamesIn(kind, seen[0].body).includes('web_search'));
      assert.match(toolResultsIn(kind, seen[1].body)[0].text, /released on 3 December 2026/);
    });

    test('run(..., {stream: true}): the same items streamed, text deltas, no error', async () => {
      const answer = script();
      const agent = new Agent({ name: 'Searcher', instructions: 'Search, then answer.', model: model(kind), tools: [webSearchTool()] });
      const stream = await run(agent, 'When was Switchboard 1.0 released?', { stream: true, signal: bounded() });
      const runItems: string[] = [];
      const rawTypes: string[] = [];
      let text = '';
      for await (const ev of stream) {
        if (ev.type === 'run_item_stream_event') runItems.push(`${ev.name}:${(ev.item.rawItem as any).name ?? (ev.item.rawItem as any).type}`);
        if (ev.type === 'raw_model_stream_event') {
          rawTypes.push(ev.data.type === 'model' ? (ev.data.event as any).type : ev.data.type);
          if (ev.data.type === 'output_text_delta') text += ev.data.delta;
        }
      }
      await stream.completed;
      assert.equal(stream.error, null);
      assert.equal(stream.finalOutput, answer);
      assert.equal(text, answer);
      assert.deepEqual(runItems, ['tool_called:web_search_call', 'message_output_created:message']);
      for (const t of ['response.web_search_call.in_progress', 'response.web_search_call.searching', 'response.web_search_call.completed', 'response.output_text.annotation.added']) {
        assert.ok(rawTypes.includes(t), `${t} in ${rawTypes.join(', ')}`);
      }
      assert.equal(rig.sent.at(-1).stream, true);
    });
  });
}

const mcpTool = (requireApproval: 'never' | 'always') =>
  hostedMcpTool({ serverLabel: 'calc', serverUrl: rig.mcp.url, requireApproval } as any);
const nameOf = (i: any) => `${i.type}:${i.rawItem.name ?? i.rawItem.type}`;

for (const kind of ['chat', 'anthropic'] as Kind[]) {
  describe(`Agents SDK hostedMcpTool on ${kind}`, { timeout: 60_000 }, () => {
    test('requireApproval never: listed, called inside the response, the answer arrives', async () => {
      const n = rig.fakes[kind].received.length;
      const calls = rig.mcp.calls.length;
      rig.fakes[kind].enqueue(
        { kind: 'reply', toolCalls: [{ name: 'mcp__calc__add', arguments: '{"a":2,"b":3}' }] },
        { kind: 'reply', text: 'The sum is 5.' },
      );
      const agent = new Agent({ name: 'Calc', instructions: 'Use the calculator.', model: model(kind), tools: [mcpTool('never')] });
      const result = await run(agent, 'Add 2 and 3.', { signal: bounded() });
      assert.equal(result.finalOutput, 'The sum is 5.');
      assert.deepEqual(result.interruptions, []);
      assert.deepEqual(result.newItems.map(nameOf), ['tool_call_item:mcp_list_tools', 'tool_call_item:mcp_call', 'message_output_item:message']);
      const call = result.newItems[1].rawItem as any;
      assert.equal(call.output, '5');
      assert.equal(call.providerData.name, 'add');
      assert.deepEqual(rig.sent.at(-1).tools, [{ type: 'mcp', server_label: 'calc', server_url: rig.mcp.url, require_approval: 'never' }]);
      assert.deepEqual(rig.mcp.calls.slice(calls).map((c) => [c.name, c.args]), [['add', { a: 2, b: 3 }]]);
      const seen = rig.fakes[kind].received.slice(n);
      assert.equal(seen.length, 2);
      assert.ok(toolNamesIn(kind, seen[0].body).includes('mcp__calc__add'));
      assert.deepEqual(toolResultsIn(kind, seen[1].body).map((r) => r.text), ['5']);
    });

    for (const decision of ['approve', 'reject'] as const) {
      for (const stream of [false, true]) {
        test(`requireApproval always: an interruption, then ${decision} and run(agent, state)${stream ? ', streamed' : ''}`, async () => {
          const calls = rig.mcp.calls.length;
          const lists = rig.mcp.listCount;
          rig.fakes[kind].enqueue({ kind: 'reply', toolCalls: [{ name: 'mcp__calc__delete_file', arguments: '{"path":"/tmp/x"}' }] });
          const agent = new Agent({ name: 'Files', instructions: 'Manage files.', model: model(kind), tools: [mcpTool('always')] });
          const drain = async (r: any) => {
            if (!stream) return r;
            for await (const _ of r) { /* consume */ }
            await r.completed;
            assert.equal(r.error, null);
            return r;
          };
          const first = await drain(await run(agent, 'Delete /tmp/x.', { stream: stream as any, signal: bounded() }));
          assert.equal(first.interruptions.length, 1);
          const interruption = first.interruptions[0];
          assert.equal(interruption.rawItem.type, 'hosted_tool_call');
          assert.equal(interruption.rawItem.name, 'delete_file');
          assert.equal(interruption.rawItem.providerData.type, 'mcp_approval_request');
          assert.equal(rig.mcp.calls.length, calls, 'nothing runs before approval');
          assert.equal(rig.mcp.listCount, lists + 1);

          const n = rig.fakes[kind].received.length;
          const sentBefore = rig.sent.length;
          const reply = decision === 'approve' ? 'Deleted.' : 'I did not delete it.';
          rig.fakes[kind].enqueue({ kind: 'reply', text: reply });
          if (decision === 'approve') first.state.approve(interruption);
          else first.state.reject(interruption);
          const second = await drain(await run(agent, first.state, { stream: stream as any, signal: bounded() }));
          assert.equal(second.finalOutput, reply);
          assert.deepEqual(second.interruptions, []);

          // The SDK resumes by resending the whole history with an mcp_approval_response (no previous_response_id).
          const resume = rig.sent.slice(sentBefore);
          assert.equal(resume.length, 1);
          assert.equal(resume[0].previous_response_id, undefined);
          assert.deepEqual(resume[0].input.map((i: any) => i.type ?? i.role), ['user', 'mcp_list_tools', 'mcp_approval_request', 'mcp_approval_response']);
          assert.equal(resume[0].input[3].approve, decision === 'approve');
          assert.equal(resume[0].input[3].approval_request_id, interruption.rawItem.providerData.id);

          // The MCP server got the call exactly once, or never; the list was not fetched again.
          assert.deepEqual(rig.mcp.calls.slice(calls).map((c) => [c.name, c.args]), decision === 'approve' ? [['delete_file', { path: '/tmp/x' }]] : []);
          assert.equal(rig.mcp.listCount, lists + 1, 'the resent mcp_list_tools is reused');
          const resumed = await rig.sb.client().responses.retrieve(second.lastResponseId!);
          assert.deepEqual(resumed.output.map((i) => i.type), decision === 'approve' ? ['mcp_call', 'message'] : ['message']);
          if (decision === 'approve') {
            const call = resumed.output[0] as any;
            assert.equal(call.approval_request_id, interruption.rawItem.providerData.id);
            assert.equal(call.output, 'deleted /tmp/x');
          }
          // What the model saw: the approved call and its result, or the refusal.
          const seen = rig.fakes[kind].received.slice(n);
          assert.equal(seen.length, 1);
          const results = toolResultsIn(kind, seen[0].body);
          assert.equal(results.length, 1);
          assert.match(results[0].text, decision === 'approve' ? /deleted \/tmp\/x/ : /denied/i);
        });
      }
    }
  });
}

describe('Agents SDK fileSearchTool and codeInterpreterTool', { timeout: 90_000 }, () => {
  for (const kind of ['chat', 'anthropic'] as Kind[]) {
    test(`fileSearchTool(vectorStoreId, {includeSearchResults}) on ${kind}: results, passages to the model, file_citation`, async () => {
      const n = rig.fakes[kind].received.length;
      const answer = 'You get 25 vacation days a year (handbook.md).';
      rig.fakes[kind].enqueue(
        { kind: 'reply', toolCalls: [{ name: 'file_search', arguments: '{"queries":["vacation days per year"]}' }] },
        { kind: 'reply', text: answer },
      );
      const agent = new Agent({
        name: 'HR', instructions: 'Answer from the handbook.', model: model(kind),
        tools: [fileSearchTool(rig.storeId, { includeSearchResults: true })],
      });
      const result = await run(agent, 'How many vacation days do I get?', { signal: bounded() });
      assert.equal(result.finalOutput, answer);
      assert.deepEqual(result.newItems.map(nameOf), ['tool_call_item:file_search_call', 'message_output_item:message']);
      const call = result.newItems[0].rawItem as any;
      assert.equal(call.status, 'completed');
      assert.deepEqual(call.providerData.queries, ['vacation days per year']);
      assert.equal(call.providerData.results[0].filename, 'handbook.md');
      assert.match(call.providerData.results[0].text, /25 vacation days/);
      const cite = (result.newItems[1].rawItem as any).content[0].providerData.annotations[0];
      assert.equal(cite.type, 'file_citation');
      assert.equal(cite.filename, 'handbook.md');
      assert.deepEqual(rig.sent.at(-1).include, ['file_search_call.results']);
      assert.deepEqual(rig.sent.at(-1).tools, [{ type: 'file_search', vector_store_ids: [rig.storeId] }]);
      const seen = rig.fakes[kind].received.slice(n);
      assert.ok(toolNamesIn(kind, seen[0].body).includes('file_search'));
      assert.match(toolResultsIn(kind, seen[1].body)[0].text, /25 vacation days/);
    });
  }

  test('codeInterpreterTool({includeOutputs}) on chat, streamed: code, logs, the result to the model', async () => {
    const code = 'print(6 * 7)';
    const n = rig.fakes.chat.received.length;
    rig.fakes.chat.enqueue(
      { kind: 'reply', toolCalls: [{ name: 'python', arguments: JSON.stringify({ code }) }] },
      { kind: 'reply', text: 'It is 42.' },
    );
    const agent = new Agent({ name: 'Calc', instructions: 'Use Python.', model: 'chat/m', tools: [codeInterpreterTool({ includeOutputs: true })] });
    const stream = await run(agent, 'What is 6 times 7?', { stream: true, signal: AbortSignal.timeout(60_000) });
    const rawTypes: string[] = [];
    for await (const ev of stream) if (ev.type === 'raw_model_stream_event' && ev.data.type === 'model') rawTypes.push((ev.data.event as any).type);
    await stream.completed;
    assert.equal(stream.error, null);
    assert.equal(stream.finalOutput, 'It is 42.');
    assert.deepEqual(stream.newItems.map(nameOf), ['tool_call_item:code_interpreter_call', 'message_output_item:message']);
    const call = stream.newItems[0].rawItem as any;
    assert.equal(call.status, 'completed');
    assert.equal(call.providerData.code, code);
    assert.match(call.providerData.container_id, /^cntr_/);
    assert.deepEqual(call.providerData.outputs.map((o: any) => o.logs?.trim()), ['42']);
    for (const t of ['response.code_interpreter_call.in_progress', 'response.code_interpreter_call_code.done', 'response.code_interpreter_call.interpreting', 'response.code_interpreter_call.completed']) {
      assert.ok(rawTypes.includes(t), `${t} in ${rawTypes.join(', ')}`);
    }
    assert.deepEqual(rig.sent.at(-1).tools, [{ type: 'code_interpreter', container: { type: 'auto' } }]);
    assert.match(toolResultsIn('chat', rig.fakes.chat.received[n + 1].body)[0].text, /42/);
  });
});

test('nothing left loopback', () => {
  const hosts = [...rig.connections.hosts];
  assert.ok(hosts.length > 0);
  for (const h of hosts) assert.ok(LOOPBACK_HOSTS.includes(h), `connection to ${h}`);
});

for (const mode of ['conversationId', 'previousResponseId'] as const) {
  test(`hostedMcpTool approval with server-managed history (${mode}): the SDK sends only the approval response`, { timeout: 60_000 }, async () => {
    const calls = rig.mcp.calls.length;
    const conversationId = mode === 'conversationId' ? (await rig.sb.client().conversations.create({})).id : undefined;
    rig.fakes.anthropic.enqueue({ kind: 'reply', toolCalls: [{ name: 'mcp__calc__add', arguments: '{"a":4,"b":4}' }] });
    const agent = new Agent({ name: 'Calc', instructions: 'Use the calculator.', model: 'anthropic/m', tools: [mcpTool('always')] });
    const first = await run(agent, 'Add 4 and 4.', { conversationId, signal: bounded() });
    assert.equal(first.interruptions.length, 1);
    // The run state is shared with the resumed run: read the first response's id before resuming.
    const firstId = first.lastResponseId!;
    const sentBefore = rig.sent.length;
    rig.fakes.anthropic.enqueue({ kind: 'reply', text: 'Eight.' });
    first.state.approve(first.interruptions[0]);
    const second = await run(agent, first.state, {
      conversationId, previousResponseId: mode === 'previousResponseId' ? firstId : undefined, signal: bounded(),
    });
    assert.equal(second.finalOutput, 'Eight.');
    const resume = rig.sent.slice(sentBefore);
    assert.equal(resume.length, 1);
    if (mode === 'conversationId') assert.equal(resume[0].conversation, conversationId);
    else assert.equal(resume[0].previous_response_id, firstId);
    assert.deepEqual(resume[0].input.map((i: any) => i.type), ['mcp_approval_response']);
    assert.deepEqual(rig.mcp.calls.slice(calls).map((c) => [c.name, c.args]), [['add', { a: 4, b: 4 }]]);
    const resumed = await rig.sb.client().responses.retrieve(second.lastResponseId!);
    assert.deepEqual(resumed.output.map((i) => i.type), ['mcp_call', 'message']);
  });
}

test('hostedMcpTool with onApproval: the SDK answers the request itself within one run; a failing tool is a failed call the model sees', { timeout: 60_000 }, async () => {
  const calls = rig.mcp.calls.length;
  const asked: string[] = [];
  rig.fakes.chat.enqueue(
    { kind: 'reply', toolCalls: [{ name: 'mcp__calc__delete_file', arguments: '{"path":"/tmp/w"}' }] },
    { kind: 'reply', toolCalls: [{ name: 'mcp__calc__broken', arguments: '{}' }] },
    { kind: 'reply', text: 'Deleted; the other tool failed.' },
  );
  const tool = hostedMcpTool({
    serverLabel: 'calc', serverUrl: rig.mcp.url, requireApproval: { always: { toolNames: ['delete_file'] }, never: { toolNames: ['broken'] } },
    onApproval: async (_ctx, item) => { asked.push((item.rawItem as any).name); return { approve: true }; },
  });
  const agent = new Agent({ name: 'Files', instructions: 'Manage files.', model: 'chat/m', tools: [tool] });
  const result = await run(agent, 'Delete /tmp/w, then try the broken tool.', { signal: bounded() });
  assert.equal(result.finalOutput, 'Deleted; the other tool failed.');
  assert.deepEqual(result.interruptions, []);
  assert.deepEqual(asked, ['delete_file']);
  assert.deepEqual(rig.mcp.calls.slice(calls).map((c) => c.name), ['delete_file', 'broken']);
  const mcpCalls = result.newItems.filter((i) => (i.rawItem as any).name === 'mcp_call').map((i) => i.rawItem as any);
  assert.deepEqual(mcpCalls.map((c) => [c.providerData.name, c.providerData.status]), [['delete_file', 'completed'], ['broken', 'failed']]);
  assert.ok(mcpCalls[1].providerData.error);
  const last = rig.fakes.chat.received.at(-1)!.body;
  assert.deepEqual(toolResultsIn('chat', last).map((r) => r.text.slice(0, 7)), ['deleted', 'Error: ']);
});

test('webSearchTool and a function tool in one turn: the SDK runs its tool and resends the history; the model sees the search result again and the answer cites it', { timeout: 60_000 }, async () => {
  const n = rig.fakes.anthropic.received.length;
  const asked: string[] = [];
  rig.fakes.anthropic.enqueue(
    { kind: 'reply', toolCalls: [
      { name: 'web_search', arguments: '{"query":"switchboard release date"}' },
      { name: 'get_weather', arguments: '{"city":"Oslo"}' },
    ] },
    { kind: 'reply', text: `Released 3 December 2026 ([post](${rig.pageUrl})); Oslo is sunny.` },
  );
  const weather = tool({
    name: 'get_weather', description: 'Weather', parameters: z.object({ city: z.string() }),
    execute: async ({ city }) => { asked.push(city); return `sunny in ${city}`; },
  });
  const agent = new Agent({ name: 'Both', instructions: 'Search and check the weather.', model: 'anthropic/m', tools: [webSearchTool(), weather] });
  const result = await run(agent, 'When was Switchboard released, and the weather in Oslo?', { signal: bounded() });
  assert.match(String(result.finalOutput), /Oslo is sunny/);
  assert.deepEqual(asked, ['Oslo']);
  assert.deepEqual(result.newItems.map(nameOf), [
    'tool_call_item:web_search_call', 'tool_call_item:get_weather', 'tool_call_output_item:get_weather', 'message_output_item:message',
  ]);
  const resent = rig.sent.at(-1).input.map((i: any) => i.type ?? i.role);
  assert.deepEqual(resent, ['user', 'web_search_call', 'function_call', 'function_call_output']);
  const seen = rig.fakes.anthropic.received.slice(n);
  const results = toolResultsIn('anthropic', seen[1].body);
  assert.equal(results.length, 2);
  assert.match(results[0].text, /released on 3 December 2026/, 'the search result as the model saw it then');
  const annotations = (result.newItems.at(-1)!.rawItem as any).content[0].providerData.annotations;
  assert.deepEqual(annotations.map((a: any) => [a.type, a.url]), [['url_citation', rig.pageUrl]]);
});
