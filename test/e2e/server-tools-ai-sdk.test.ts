/**
 * The Vercel AI SDK (`ai` 6 + `@ai-sdk/openai` 3, its Responses model), unmodified but for the base URL, with
 * the provider tools this version offers — webSearch, webSearchPreview, fileSearch, codeInterpreter, mcp (with
 * its tool-approval flow) — run by Switchboard itself in front of Chat-Completions and Anthropic fakes. Each test
 * checks what the SDK sent (it passed validation), what the SDK made of the hosted items (no parse error:
 * provider-executed tool calls and results, url citations as `sources`), and what the fake model was told.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, streamText, tool, type ModelMessage, type ToolSet } from 'ai';
import { z } from 'zod';
import { LOOPBACK_HOSTS } from '../helpers/connection-recorder.js';
import { toolNamesIn, toolResultsIn } from '../helpers/tool-results.js';
import { citedAnswer, startClientRig, type ClientRig, type Kind } from '../helpers/server-tools-client-rig.js';

let rig: ClientRig;
let openai: ReturnType<typeof createOpenAI>;

before(async () => {
  rig = await startClientRig();
  openai = createOpenAI({ baseURL: `${rig.sb.url}/v1`, apiKey: 'x', fetch: rig.fetch });
});
after(() => rig?.close());

const bounded = () => AbortSignal.timeout(20_000);
/**
 * `ai` ships its own nested @ai-sdk/provider-utils, a different version from the one @ai-sdk/openai's tool
 * factories are typed with, so TypeScript sees two unrelated `Tool` types (at run time they are plain objects).
 */
const hosted = (tools: Record<string, unknown>) => tools as ToolSet;
/** The SDK's content parts, without the noise: type, tool name, providerExecuted. */
const shape = (parts: any[]) => parts.map((p) => (p.toolName ? `${p.type}:${p.toolName}${p.providerExecuted ? '*' : ''}` : p.type));

function searchScript(kind: Kind) {
  const answer = citedAnswer(rig.pageUrl);
  rig.fakes[kind].enqueue(
    { kind: 'reply', toolCalls: [{ name: 'web_search', arguments: '{"query":"switchboard release date"}' }] },
    { kind: 'reply', text: answer },
  );
  return answer;
}

for (const kind of ['chat', 'anthropic'] as Kind[]) {
  describe(`AI SDK web search on ${kind}`, { timeout: 60_000 }, () => {
    test('generateText + openai.tools.webSearch(): text, the search as a provider-executed call and result, the citation as a source', async () => {
      const n = rig.fakes[kind].received.length;
      const answer = searchScript(kind);
      const r = await generateText({
        model: openai.responses(`${kind}/m`), prompt: 'When was Switchboard 1.0 released?',
        tools: hosted({ web_search: openai.tools.webSearch({ searchContextSize: 'high' }) }), abortSignal: bounded(),
      });
      assert.equal(r.text, answer);
      assert.deepEqual(r.warnings, []);
      assert.deepEqual(shape(r.content), ['tool-call:web_search*', 'tool-result:web_search*', 'text', 'source']);
      const result = r.content[1] as any;
      assert.deepEqual(result.output.action, { type: 'search', query: 'switchboard release date' });
      assert.deepEqual(result.output.sources, [{ type: 'url', url: rig.pageUrl }], 'include: web_search_call.action.sources, which the SDK asks for');
      assert.deepEqual(r.sources.map((s: any) => [s.sourceType, s.url, s.title]), [['url', rig.pageUrl, 'Switchboard 1.0 released']]);
      // What the SDK sent.
      const sent = rig.sent.at(-1);
      assert.deepEqual(sent.tools, [{ type: 'web_search', search_context_size: 'high' }]);
      assert.deepEqual(sent.include, ['web_search_call.action.sources']);
      // What the model saw.
      const seen = rig.fakes[kind].received.slice(n);
      assert.equal(seen.length, 2);
      assert.ok(toolNamesIn(kind, seen[0].body).includes('web_search'));
      assert.match(toolResultsIn(kind, seen[1].body)[0].text, /released on 3 December 2026/);
    });

    test('streamText + webSearch: tool parts, a source part, the text, no error part', async () => {
      const answer = searchScript(kind);
      const r = streamText({
        model: openai.responses(`${kind}/m`), prompt: 'When was Switchboard 1.0 released?',
        tools: hosted({ web_search: openai.tools.webSearch({}) }), abortSignal: bounded(),
      });
      const parts: any[] = [];
      for await (const p of r.fullStream) parts.push(p);
      const kinds = parts.map((p) => p.type);
      assert.ok(!kinds.includes('error'), JSON.stringify(parts.filter((p) => p.type === 'error')));
      const tools = shape(parts.filter((p) => p.type === 'tool-call' || p.type === 'tool-result'));
      assert.deepEqual(tools, ['tool-call:web_search*', 'tool-result:web_search*']);
      assert.ok(kinds.indexOf('tool-result') < kinds.indexOf('text-delta'), 'the search before the answer');
      assert.equal(await r.text, answer);
      assert.deepEqual((await r.sources).map((s: any) => s.url), [rig.pageUrl]);
      assert.equal(await r.finishReason, 'stop');
      assert.equal(rig.sent.at(-1).stream, true);
    });
  });
}

test('streamText + webSearch: open_page and find_in_page actions parse too (the model reads the page, then searches in it)', { timeout: 60_000 }, async () => {
  const n = rig.fakes.chat.received.length;
  rig.fakes.chat.enqueue(
    { kind: 'reply', toolCalls: [{ name: 'web_open_page', arguments: JSON.stringify({ url: rig.pageUrl }) }] },
    { kind: 'reply', toolCalls: [{ name: 'web_find_in_page', arguments: JSON.stringify({ url: rig.pageUrl, pattern: 'December' }) }] },
    { kind: 'reply', text: 'On 3 December 2026.' },
  );
  const r = streamText({ model: openai.responses('chat/m'), prompt: 'Read the release post.', tools: hosted({ web_search: openai.tools.webSearch({}) }), abortSignal: bounded() });
  const parts: any[] = [];
  for await (const p of r.fullStream) parts.push(p);
  assert.ok(!parts.some((p) => p.type === 'error'), JSON.stringify(parts.filter((p) => p.type === 'error')));
  assert.equal(await r.text, 'On 3 December 2026.');
  const actions = parts.filter((p) => p.type === 'tool-result').map((p) => p.output.action);
  assert.deepEqual(actions, [{ type: 'openPage', url: rig.pageUrl }, { type: 'findInPage', url: rig.pageUrl, pattern: 'December' }]);
  const stored = await rig.sb.client().responses.retrieve((await r.response).id);
  assert.deepEqual(stored.output.map((i: any) => i.action?.type ?? i.type), ['open_page', 'find_in_page', 'message'], 'the action types of the openai package (6.x)');
  const seen = rig.fakes.chat.received.slice(n);
  assert.match(toolResultsIn('chat', seen[2].body)[1].text, /3 December 2026/);
});

test('generateText + openai.tools.webSearchPreview() on chat', { timeout: 60_000 }, async () => {
  const answer = searchScript('chat');
  const r = await generateText({
    model: openai.responses('chat/m'), prompt: 'When?', tools: hosted({ web_search_preview: openai.tools.webSearchPreview({}) }), abortSignal: bounded(),
  });
  assert.equal(r.text, answer);
  assert.deepEqual(rig.sent.at(-1).tools, [{ type: 'web_search_preview' }]);
  assert.deepEqual(shape(r.content), ['tool-call:web_search_preview*', 'tool-result:web_search_preview*', 'text', 'source']);
  assert.deepEqual(r.sources.map((s: any) => s.url), [rig.pageUrl]);
});

for (const kind of ['chat', 'anthropic'] as Kind[]) {
  test(`generateText + openai.tools.fileSearch({vectorStoreIds}) on ${kind}: results parsed, passages to the model, the file as a source`, { timeout: 60_000 }, async () => {
    const n = rig.fakes[kind].received.length;
    const answer = 'You get 25 vacation days a year (handbook.md).';
    rig.fakes[kind].enqueue(
      { kind: 'reply', toolCalls: [{ name: 'file_search', arguments: '{"queries":["vacation days per year"]}' }] },
      { kind: 'reply', text: answer },
    );
    const r = await generateText({
      model: openai.responses(`${kind}/m`), prompt: 'How many vacation days do I get?',
      tools: hosted({ file_search: openai.tools.fileSearch({ vectorStoreIds: [rig.storeId], maxNumResults: 5 }) }),
      providerOptions: { openai: { include: ['file_search_call.results'] } },
      abortSignal: bounded(),
    });
    assert.equal(r.text, answer);
    assert.deepEqual(rig.sent.at(-1).tools, [{ type: 'file_search', vector_store_ids: [rig.storeId], max_num_results: 5 }]);
    assert.deepEqual(shape(r.content), ['tool-call:file_search*', 'tool-result:file_search*', 'text', 'source']);
    const result = r.content[1] as any;
    assert.deepEqual(result.output.queries, ['vacation days per year']);
    assert.equal(result.output.results[0].filename, 'handbook.md');
    assert.match(result.output.results[0].text, /25 vacation days/);
    const source = r.sources[0] as any;
    assert.equal(source.sourceType, 'document');
    assert.equal(source.filename, 'handbook.md');
    const seen = rig.fakes[kind].received.slice(n);
    assert.ok(toolNamesIn(kind, seen[0].body).includes('file_search'));
    assert.match(toolResultsIn(kind, seen[1].body)[0].text, /25 vacation days/);
  });
}

test('streamText + openai.tools.codeInterpreter() on anthropic: code and logs parsed, the result to the model', { timeout: 90_000 }, async () => {
  const code = 'print(6 * 7)';
  const n = rig.fakes.anthropic.received.length;
  rig.fakes.anthropic.enqueue(
    { kind: 'reply', toolCalls: [{ name: 'python', arguments: JSON.stringify({ code }) }] },
    { kind: 'reply', text: 'It is 42.' },
  );
  const r = streamText({
    model: openai.responses('anthropic/m'), prompt: 'What is 6 times 7?',
    tools: hosted({ code_interpreter: openai.tools.codeInterpreter({}) }),
    abortSignal: AbortSignal.timeout(60_000),
  });
  const parts: any[] = [];
  for await (const p of r.fullStream) parts.push(p);
  assert.ok(!parts.some((p) => p.type === 'error'), JSON.stringify(parts.filter((p) => p.type === 'error')));
  assert.equal(await r.text, 'It is 42.');
  const call = parts.find((p) => p.type === 'tool-call');
  const result = parts.find((p) => p.type === 'tool-result');
  assert.equal(call.toolName, 'code_interpreter');
  assert.equal(call.providerExecuted, true);
  assert.equal(call.input.code, code);
  assert.match(call.input.containerId, /^cntr_/);
  assert.deepEqual(result.output.outputs.map((o: any) => o.logs?.trim()), ['42']);
  // The SDK asks for the outputs itself when it offers the tool.
  assert.deepEqual(rig.sent.at(-1).include, ['code_interpreter_call.outputs']);
  assert.deepEqual(rig.sent.at(-1).tools, [{ type: 'code_interpreter', container: { type: 'auto' } }]);
  assert.match(toolResultsIn('anthropic', rig.fakes.anthropic.received[n + 1].body)[0].text, /42/);
});

test('generateText + codeInterpreter on chat: a file the code writes, cited in the answer, parses as a container_file_citation source', { timeout: 90_000 }, async () => {
  const code = "with open('/mnt/data/answer.txt', 'w') as f:\n    f.write('42')\nprint('saved')";
  const answer = 'Saved as [answer.txt](sandbox:/mnt/data/answer.txt).';
  rig.fakes.chat.enqueue(
    { kind: 'reply', toolCalls: [{ name: 'python', arguments: JSON.stringify({ code }) }] },
    { kind: 'reply', text: answer },
  );
  const r = await generateText({
    model: openai.responses('chat/m'), prompt: 'Save 42 to a file.', tools: hosted({ code_interpreter: openai.tools.codeInterpreter({}) }),
    abortSignal: AbortSignal.timeout(60_000),
  });
  assert.equal(r.text, answer);
  assert.deepEqual(shape(r.content).filter((t) => t !== 'source'), ['tool-call:code_interpreter*', 'tool-result:code_interpreter*', 'text']);
  const annotations = (r.content.find((c) => c.type === 'text') as any).providerMetadata.openai.annotations;
  assert.deepEqual(annotations.map((a: any) => [a.type, a.filename]), [['container_file_citation', 'answer.txt']]);
  const containerId = (r.content[0] as any).input.containerId;
  assert.equal(annotations[0].container_id, containerId);
  // The cited file is the container's, and holds what the code wrote.
  const content = await rig.sb.client().containers.files.content.retrieve(annotations[0].file_id, { container_id: containerId });
  assert.equal(await content.text(), '42');
});

test('streamText + fileSearch on chat: the streamed file_search_call and the file source parse', { timeout: 60_000 }, async () => {
  rig.fakes.chat.enqueue(
    { kind: 'reply', toolCalls: [{ name: 'file_search', arguments: '{"queries":["vacation days"]}' }] },
    { kind: 'reply', text: 'You get 25 days (handbook.md).' },
  );
  const r = streamText({
    model: openai.responses('chat/m'), prompt: 'Vacation days?', abortSignal: bounded(),
    tools: hosted({ file_search: openai.tools.fileSearch({ vectorStoreIds: [rig.storeId] }) }),
    providerOptions: { openai: { include: ['file_search_call.results'] } },
  });
  const parts: any[] = [];
  for await (const p of r.fullStream) parts.push(p);
  assert.ok(!parts.some((p) => p.type === 'error'), JSON.stringify(parts.filter((p) => p.type === 'error')));
  assert.equal(parts.find((p) => p.type === 'tool-result').output.results[0].filename, 'handbook.md');
  assert.deepEqual((await r.sources).map((s: any) => [s.sourceType, s.filename]), [['document', 'handbook.md']]);
});

test('MCP approval with previousResponseId: the SDK sends only the approval response and the call runs once', { timeout: 60_000 }, async () => {
  const calls = rig.mcp.calls.length;
  const tools = hosted({ calc: openai.tools.mcp({ serverLabel: 'calc', serverUrl: rig.mcp.url, requireApproval: 'always' }) });
  rig.fakes.chat.enqueue({ kind: 'reply', toolCalls: [{ name: 'mcp__calc__add', arguments: '{"a":1,"b":2}' }] });
  const first = await generateText({ model: openai.responses('chat/m'), prompt: 'Add 1 and 2.', tools, abortSignal: bounded() });
  const request = first.content.find((c) => c.type === 'tool-approval-request') as any;
  rig.fakes.chat.enqueue({ kind: 'reply', text: 'Three.' });
  const second = await generateText({
    model: openai.responses('chat/m'), tools, abortSignal: bounded(),
    providerOptions: { openai: { previousResponseId: first.response.id } },
    // The SDK checks the request is in the messages; with previousResponseId it sends only what is new.
    messages: [...first.response.messages, { role: 'tool', content: [{ type: 'tool-approval-response', approvalId: request.approvalId, approved: true, providerExecuted: true }] }],
  });
  assert.equal(second.text, 'Three.');
  assert.equal(rig.sent.at(-1).previous_response_id, first.response.id);
  assert.deepEqual(rig.sent.at(-1).input, [{ type: 'mcp_approval_response', approval_request_id: request.approvalId, approve: true }]);
  assert.deepEqual(rig.mcp.calls.slice(calls).map((c) => [c.name, c.args]), [['add', { a: 1, b: 2 }]]);
  assert.equal((second.content.find((c) => c.type === 'tool-result') as any).output.output, '3');
});

describe('AI SDK openai.tools.mcp', { timeout: 60_000 }, () => {
  const mcpTools = (requireApproval: 'always' | 'never') =>
    hosted({ calc: openai.tools.mcp({ serverLabel: 'calc', serverUrl: rig.mcp.url, requireApproval }) });

  test('requireApproval never: the call runs inside the response, its output parsed (mcp_list_tools parses too)', async () => {
    const calls = rig.mcp.calls.length;
    rig.fakes.chat.enqueue(
      { kind: 'reply', toolCalls: [{ name: 'mcp__calc__add', arguments: '{"a":2,"b":3}' }] },
      { kind: 'reply', text: 'The sum is 5.' },
    );
    const r = await generateText({ model: openai.responses('chat/m'), prompt: 'Add 2 and 3.', tools: mcpTools('never'), abortSignal: bounded() });
    assert.equal(r.text, 'The sum is 5.');
    assert.deepEqual(shape(r.content), ['tool-call:mcp.add*', 'tool-result:mcp.add*', 'text']);
    assert.deepEqual((r.content[1] as any).output, { type: 'call', serverLabel: 'calc', name: 'add', arguments: '{"a":2,"b":3}', output: '5' });
    assert.deepEqual(rig.mcp.calls.slice(calls).map((c) => c.name), ['add']);
  });

  test('streamText, requireApproval never: the call and its result stream as parts, no error part', async () => {
    rig.fakes.anthropic.enqueue(
      { kind: 'reply', toolCalls: [{ name: 'mcp__calc__add', arguments: '{"a":20,"b":22}' }] },
      { kind: 'reply', text: 'Forty-two.' },
    );
    const r = streamText({ model: openai.responses('anthropic/m'), prompt: 'Add 20 and 22.', tools: mcpTools('never'), abortSignal: bounded() });
    const parts: any[] = [];
    for await (const p of r.fullStream) parts.push(p);
    assert.ok(!parts.some((p) => p.type === 'error'), JSON.stringify(parts.filter((p) => p.type === 'error')));
    assert.deepEqual(shape(parts.filter((p) => p.type === 'tool-call' || p.type === 'tool-result')), ['tool-call:mcp.add*', 'tool-result:mcp.add*']);
    assert.equal(parts.find((p) => p.type === 'tool-result').output.output, '42');
    assert.equal(await r.text, 'Forty-two.');
  });

  for (const approved of [true, false]) {
    test(`requireApproval always: a tool-approval-request; ${approved ? 'approved' : 'denied'} in the next generateText`, async () => {
      const calls = rig.mcp.calls.length;
      rig.fakes.anthropic.enqueue({ kind: 'reply', toolCalls: [{ name: 'mcp__calc__delete_file', arguments: '{"path":"/tmp/y"}' }] });
      const prompt: ModelMessage[] = [{ role: 'user', content: 'Delete /tmp/y.' }];
      const first = await generateText({ model: openai.responses('anthropic/m'), messages: prompt, tools: mcpTools('always'), abortSignal: bounded() });
      assert.deepEqual(shape(first.content), ['tool-call:mcp.delete_file*', 'tool-approval-request']);
      const request = first.content[1] as any;
      assert.match(request.approvalId, /^mcpr_/);
      assert.equal(rig.mcp.calls.length, calls, 'nothing runs before approval');

      const n = rig.fakes.anthropic.received.length;
      rig.fakes.anthropic.enqueue({ kind: 'reply', text: approved ? 'Deleted.' : 'Not deleted.' });
      // providerExecuted: the AI SDK sends only provider-executed approval responses to the provider.
      const second = await generateText({
        model: openai.responses('anthropic/m'), tools: mcpTools('always'), abortSignal: bounded(),
        messages: [...prompt, ...first.response.messages, {
          role: 'tool', content: [{ type: 'tool-approval-response', approvalId: request.approvalId, approved, reason: approved ? undefined : 'not now', providerExecuted: true }],
        }],
      });
      assert.equal(second.text, approved ? 'Deleted.' : 'Not deleted.');
      // With store on and no previous_response_id, the SDK points at the stored request by item_reference.
      const sent = rig.sent.at(-1);
      assert.deepEqual(sent.input.slice(1), [
        { type: 'item_reference', id: request.approvalId },
        { type: 'mcp_approval_response', approval_request_id: request.approvalId, approve: approved },
      ]);
      assert.deepEqual(rig.mcp.calls.slice(calls).map((c) => [c.name, c.args]), approved ? [['delete_file', { path: '/tmp/y' }]] : []);
      if (approved) {
        assert.deepEqual(shape(second.content), ['tool-call:mcp.delete_file*', 'tool-result:mcp.delete_file*', 'text']);
        assert.equal((second.content[1] as any).output.output, 'deleted /tmp/y');
      } else {
        assert.deepEqual(shape(second.content), ['text']);
      }
      const results = toolResultsIn('anthropic', rig.fakes.anthropic.received[n].body);
      assert.equal(results.length, 1);
      assert.match(results[0].text, approved ? /deleted \/tmp\/y/ : /denied/i);
    });
  }
});

test('MCP approval with store: false: the SDK sends the approval without its request, a clear 400 (nothing runs, nothing is stored), never a silent no-op', { timeout: 60_000 }, async () => {
  const calls = rig.mcp.calls.length;
  const tools = hosted({ calc: openai.tools.mcp({ serverLabel: 'calc', serverUrl: rig.mcp.url, requireApproval: 'always' }) });
  const providerOptions = { openai: { store: false } };
  rig.fakes.chat.enqueue({ kind: 'reply', toolCalls: [{ name: 'mcp__calc__delete_file', arguments: '{"path":"/tmp/z"}' }] });
  const prompt: ModelMessage[] = [{ role: 'user', content: 'Delete /tmp/z.' }];
  const first = await generateText({ model: openai.responses('chat/m'), messages: prompt, tools, providerOptions, abortSignal: bounded() });
  const request = first.content.find((c) => c.type === 'tool-approval-request') as any;
  const n = rig.fakes.chat.received.length;
  const err = await generateText({
    model: openai.responses('chat/m'), tools, providerOptions, abortSignal: bounded(), maxRetries: 0,
    messages: [...prompt, ...first.response.messages, { role: 'tool', content: [{ type: 'tool-approval-response', approvalId: request.approvalId, approved: true, providerExecuted: true }] }],
  }).then(() => null, (e) => e);
  assert.deepEqual(rig.sent.at(-1).input.map((i: any) => i.type ?? i.role), ['user', 'mcp_approval_response'], 'what the SDK sends');
  assert.equal(err?.statusCode, 400);
  const body = JSON.parse(err.responseBody);
  assert.equal(body.error.param, 'input[1].approval_request_id');
  assert.match(body.error.message, new RegExp(request.approvalId));
  assert.equal(rig.mcp.calls.length, calls, 'nothing ran');
  assert.equal(rig.fakes.chat.received.length, n, 'the model was not called');
});

test('a hosted search and a client function tool in one turn: the SDK runs its tool and continues; the next turn shows the model both calls and results', { timeout: 60_000 }, async () => {
  const n = rig.fakes.anthropic.received.length;
  const asked: string[] = [];
  rig.fakes.anthropic.enqueue(
    { kind: 'reply', toolCalls: [
      { name: 'web_search', arguments: '{"query":"switchboard release date"}' },
      { name: 'get_weather', arguments: '{"city":"Oslo"}' },
    ] },
    { kind: 'reply', text: `Released 3 December 2026 ([post](${rig.pageUrl})); Oslo is sunny.` },
  );
  const r = await generateText({
    model: openai.responses('anthropic/m'), prompt: 'When was Switchboard released, and the weather in Oslo?', stopWhen: stepCountIs(3), abortSignal: bounded(),
    tools: hosted({
      web_search: openai.tools.webSearch({}),
      get_weather: tool({ description: 'Weather', inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => { asked.push(city); return `sunny in ${city}`; } }),
    }),
  });
  assert.equal(r.steps.length, 2);
  assert.deepEqual(asked, ['Oslo']);
  assert.deepEqual(shape(r.steps[0].content), ['tool-call:web_search*', 'tool-result:web_search*', 'tool-call:get_weather', 'tool-result:get_weather']);
  assert.match(r.text, /Oslo is sunny/);
  // The answer (second response) cites the search of the first: its sources stay citable within the user turn.
  assert.deepEqual(r.sources.map((s: any) => [s.url, s.title]), [[rig.pageUrl, 'Switchboard 1.0 released']]);
  // The SDK's second request: the hosted call by reference, its own call and output.
  assert.deepEqual(rig.sent.at(-1).input.map((i: any) => i.type ?? i.role), ['user', 'item_reference', 'function_call', 'function_call_output']);
  const seen = rig.fakes.anthropic.received.slice(n);
  assert.equal(seen.length, 2);
  const results = toolResultsIn('anthropic', seen[1].body);
  assert.equal(results.length, 2, JSON.stringify(results));
  assert.match(results[0].text, /released on 3 December 2026/, 'the search result, as the model saw it then');
  assert.match(results[1].text, /sunny in Oslo/);
});

test('nothing left loopback', () => {
  const hosts = [...rig.connections.hosts];
  assert.ok(hosts.length > 0);
  for (const h of hosts) assert.ok(LOOPBACK_HOSTS.includes(h), `connection to ${h}`);
});
