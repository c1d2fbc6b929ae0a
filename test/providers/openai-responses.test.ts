import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UpstreamError } from '../../src/api/errors.js';
import type { Item } from '../../src/api/items.js';
import type { CreateParams } from '../../src/api/create-params.js';
import type { ProviderConfig } from '../../src/config/types.js';
import { testProviderConfig } from '../helpers/provider-config.js';
import type { ModelEvent, ModelRequest, Provider } from '../../src/providers/types.js';
import { createOpenAIResponsesProvider, OPENAI_RESPONSES_PARAMS } from '../../src/providers/openai-responses/index.js';
import { startFakeResponses, type FakeResponses } from '../fakes/fake-responses.js';

function configFor(fake: FakeResponses, overrides: Partial<ProviderConfig> = {}): ProviderConfig {
  return testProviderConfig('openai', fake.baseUrl, { name: 'oai', apiKey: 'sk-test', ...overrides });
}

const user = (text: string, id?: string): Item => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }], ...(id ? { id } : {}) });

function request(input: Item[], params: Partial<CreateParams> = {}, extra: Partial<ModelRequest> = {}): ModelRequest {
  const model = extra.model ?? 'gpt-5';
  return { model, instructions: null, input, params: { model, ...params }, signal: new AbortController().signal, ...extra };
}

async function collect(provider: Provider, req: ModelRequest): Promise<ModelEvent[]> {
  const events: ModelEvent[] = [];
  for await (const e of await provider.stream(req)) events.push(e);
  return events;
}

/** Events until the iterator throws; returns both. */
async function collectUntilError(provider: Provider, req: ModelRequest): Promise<{ events: ModelEvent[]; error: unknown }> {
  const events: ModelEvent[] = [];
  try {
    for await (const e of await provider.stream(req)) events.push(e);
  } catch (error) {
    return { events, error };
  }
  return { events, error: undefined };
}

const text = (events: ModelEvent[]) => events.flatMap((e) => (e.type === 'text-delta' ? [e.delta] : [])).join('');
const ofType = <T extends ModelEvent['type']>(events: ModelEvent[], type: T) =>
  events.filter((e): e is Extract<ModelEvent, { type: T }> => e.type === type);

describe('openai (Responses) provider', () => {
  let fake: FakeResponses;
  let provider: Provider;

  before(async () => {
    fake = await startFakeResponses({ nonReasoningModels: ['plain-model'] });
    provider = createOpenAIResponsesProvider(configFor(fake));
  });
  after(() => fake.close());

  const lastBody = () => fake.received.at(-1)!.body;

  it('declares kind openai and only the params OpenAI accepts', () => {
    assert.equal(provider.kind, 'openai');
    assert.equal(provider.name, 'oai');
    for (const p of ['tools', 'tool_choice', 'max_tool_calls', 'reasoning', 'text', 'truncation', 'prompt', 'include']) {
      assert.ok(OPENAI_RESPONSES_PARAMS.has(p), p);
    }
    for (const p of ['seed', 'stop', 'top_k', 'repetition_penalty', 'presence_penalty', 'frequency_penalty', 'background', 'metadata', 'top_logprobs']) {
      assert.ok(!OPENAI_RESPONSES_PARAMS.has(p), p);
    }
  });

  it('streams text and sends a stateless request', async () => {
    fake.enqueue({ kind: 'reply', text: 'Hello there, world', usage: { input: 12, output: 5, cached: 4 } });
    const events = await collect(provider, request([user('hi')], {}, { instructions: 'Be brief.' }));

    assert.deepEqual(events[0], { type: 'metadata', model: 'gpt-5', id: (events[0] as { id: string }).id });
    assert.match((events[0] as { id: string }).id, /^resp_/);
    assert.equal(ofType(events, 'metadata').length, 1);
    assert.equal(text(events), 'Hello there, world');
    assert.ok(ofType(events, 'text-delta').length > 1, 'streamed in several deltas');
    assert.deepEqual(ofType(events, 'usage'), [{ type: 'usage', usage: { inputTokens: 12, outputTokens: 5, cachedTokens: 4, reasoningTokens: 0 } }]);
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'stop', rawReason: 'completed' });

    const got = fake.received.at(-1)!;
    assert.equal(got.method, 'POST');
    assert.equal(got.path, '/v1/responses');
    assert.equal(got.headers.authorization, 'Bearer sk-test');
    assert.match(String(got.headers.accept), /text\/event-stream/);
    assert.equal(got.body.model, 'gpt-5');
    assert.equal(got.body.instructions, 'Be brief.');
    assert.equal(got.body.store, false);
    assert.equal(got.body.stream, true);
    assert.deepEqual(got.body.stream_options, { include_obfuscation: false });
    assert.deepEqual(got.body.include, ['reasoning.encrypted_content']);
    assert.deepEqual(got.body.input, [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }]);
    for (const key of ['previous_response_id', 'conversation', 'background', 'metadata']) assert.ok(!(key in got.body), key);
  });

  it('forwards model-facing params and every tool type untouched, and keeps Switchboard-side ones home', async () => {
    const tools = [
      { type: 'function', name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true },
      { type: 'namespace', name: 'files', description: 'File tools', tools: [{ type: 'function', name: 'read', parameters: { type: 'object', properties: {} } }] },
      { type: 'custom', name: 'apply_patch', description: 'Patch', format: { type: 'grammar', syntax: 'lark', definition: 'start: "x"' } },
      { type: 'web_search', search_context_size: 'low', user_location: { type: 'approximate', country: 'FR' } },
    ];
    const params: Partial<CreateParams> = {
      tools,
      tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'get_weather' }] },
      parallel_tool_calls: false,
      max_output_tokens: 300,
      max_tool_calls: 4,
      temperature: 0.2,
      top_p: 0.9,
      reasoning: { effort: 'high', summary: 'detailed' },
      text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true }, verbosity: 'low' },
      truncation: 'auto',
      service_tier: 'flex',
      user: 'u-1',
      safety_identifier: 'sid-1',
      prompt_cache_key: 'pck',
      prompt_cache_retention: '24h',
      include: ['web_search_call.action.sources', 'reasoning.encrypted_content'],
      // Switchboard-side: never forwarded
      metadata: { a: 'b' },
      store: true,
      previous_response_id: 'resp_prev',
      background: false,
    } as Partial<CreateParams>;
    fake.enqueue({ kind: 'reply', text: '{}' });
    await collect(provider, request([user('go')], params));

    const body = lastBody();
    assert.deepEqual(body.tools, tools);
    for (const key of ['tool_choice', 'parallel_tool_calls', 'max_output_tokens', 'max_tool_calls', 'temperature', 'top_p', 'reasoning',
      'text', 'truncation', 'service_tier', 'user', 'safety_identifier', 'prompt_cache_key', 'prompt_cache_retention'] as const) {
      assert.deepEqual(body[key], params[key], key);
    }
    assert.deepEqual(body.include, ['reasoning.encrypted_content', 'web_search_call.action.sources']);
    assert.equal(body.store, false);
    for (const key of ['metadata', 'previous_response_id', 'background', 'instructions']) assert.ok(!(key in body), key);
  });

  it('streams reasoning summary, then its encrypted state, then the end, before the answer', async () => {
    fake.enqueue({ kind: 'reply', reasoning: 'Weighing the options.', text: 'Pick B.', usage: { input: 3, output: 9, reasoning: 6 } });
    const events = await collect(provider, request([user('A or B?')]));

    const kinds = events.map((e) => e.type);
    const lastSummary = kinds.lastIndexOf('reasoning-summary-delta');
    const signature = kinds.indexOf('reasoning-signature');
    const end = kinds.indexOf('reasoning-end');
    assert.ok(kinds.indexOf('reasoning-summary-delta') > 0 && lastSummary < signature && signature < end && end < kinds.indexOf('text-delta'), kinds.join(','));
    assert.equal(ofType(events, 'reasoning-summary-delta').map((e) => e.delta).join(''), 'Weighing the options.');
    assert.ok(ofType(events, 'reasoning-summary-delta').every((e) => e.summaryIndex === 0));
    const [sig] = ofType(events, 'reasoning-signature');
    assert.match(sig.signature, /^gAAAAA/);
    assert.match(ofType(events, 'reasoning-end')[0].id!, /^rs_/);
    assert.equal(text(events), 'Pick B.');
    assert.equal(ofType(events, 'usage')[0].usage.reasoningTokens, 6);
  });

  it('sends history back statelessly: reasoning with its encrypted_content, no item ids', async () => {
    fake.enqueue({ kind: 'reply', reasoning: 'Plan', text: 'Calling.', toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}', id: 'call_1' }] });
    const first = await collect(provider, request([user('weather?')]));
    const blob = ofType(first, 'reasoning-signature')[0].signature;

    // The history as Switchboard stored it: its own minted ids everywhere (the reasoning id differs from the one
    // the blob was issued under, which OpenAI would reject), plus a reasoning item with no encrypted state.
    const history: Item[] = [
      user('weather?', 'msg_sb_1'),
      { type: 'reasoning', id: 'rs_switchboard_1', summary: [{ type: 'summary_text', text: 'Plan' }], encrypted_content: blob },
      { type: 'message', id: 'msg_sb_2', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Calling.', annotations: [] }] },
      { type: 'function_call', id: 'fc_sb_3', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' },
      { type: 'function_call_output', id: 'fco_sb_4', call_id: 'call_1', output: '{"temp":21}' },
      { type: 'reasoning', id: 'rs_summary_only', summary: [{ type: 'summary_text', text: 'from another vendor' }] },
      { type: 'item_reference', id: 'msg_kept' } as Item,
      user('and tomorrow?', 'msg_sb_5'),
    ];
    fake.enqueue({ kind: 'reply', text: 'Rain.' });
    const second = await collect(provider, request(history));
    assert.equal(text(second), 'Rain.');

    const input = lastBody().input as Record<string, unknown>[];
    assert.deepEqual(input.map((i) => i.type), ['message', 'reasoning', 'message', 'function_call', 'function_call_output', 'item_reference', 'message']);
    assert.deepEqual(input[1], { type: 'reasoning', summary: [{ type: 'summary_text', text: 'Plan' }], encrypted_content: blob });
    assert.deepEqual(input[3], { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' });
    assert.deepEqual(input[5], { type: 'item_reference', id: 'msg_kept' });
    assert.ok(input.every((i) => i.type === 'item_reference' || !('id' in i)), 'no ids except item_reference');
  });

  it('returns a scripted reasoning signature as encrypted_content', async () => {
    fake.enqueue({ kind: 'reply', reasoning: 'r', reasoningSignature: 'opaque-state-1', text: 'ok' });
    const events = await collect(provider, request([user('x')]));
    assert.deepEqual(ofType(events, 'reasoning-signature'), [{ type: 'reasoning-signature', signature: 'opaque-state-1' }]);
  });

  it('streams parallel function calls, namespace functions and custom tool calls', async () => {
    const tools = [
      { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: {} } },
      { type: 'namespace', name: 'files', tools: [{ type: 'function', name: 'read', parameters: { type: 'object', properties: {} } }] },
      { type: 'custom', name: 'apply_patch' },
    ];
    fake.enqueue({
      kind: 'reply',
      chunkSize: 3,
      toolCalls: [
        { name: 'get_weather', arguments: '{"city":"Paris"}' },
        { name: 'read', arguments: '{"path":"a.txt"}', id: 'call_read' },
        { name: 'apply_patch', arguments: '*** Begin Patch\n*** End Patch' },
      ],
    });
    const events = await collect(provider, request([user('do it')], { tools }));

    const starts = ofType(events, 'tool-call-start');
    assert.equal(starts.length, 3);
    assert.equal(new Set(starts.map((s) => s.callId)).size, 3);
    assert.deepEqual(starts.map((s) => [s.name, s.kind, s.namespace]), [
      ['get_weather', 'function', undefined], ['read', 'function', 'files'], ['apply_patch', 'custom', undefined],
    ]);
    assert.equal(starts[1].callId, 'call_read');
    assert.match(starts[0].id!, /^fc_/);
    assert.match(starts[2].id!, /^ctc_/);
    const expected = ['{"city":"Paris"}', '{"path":"a.txt"}', '*** Begin Patch\n*** End Patch'];
    starts.forEach((s, i) => {
      const deltas = ofType(events, 'tool-call-delta').filter((d) => d.callId === s.callId);
      assert.ok(deltas.length > 1, 'arguments streamed in deltas');
      assert.equal(deltas.map((d) => d.delta).join(''), expected[i]);
      assert.deepEqual(ofType(events, 'tool-call-end').find((e) => e.callId === s.callId), { type: 'tool-call-end', callId: s.callId, arguments: expected[i] });
    });
    assert.equal(text(events), '');
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'tool_calls', rawReason: 'completed' });
  });

  it('maps interleaved argument deltas to their call by item id', async () => {
    const fc = (id: string, callId: string, name: string) => ({ id, type: 'function_call', status: 'in_progress', arguments: '', call_id: callId, name });
    fake.enqueue({
      kind: 'events',
      events: [
        { type: 'response.output_item.added', output_index: 0, item: fc('fc_a', 'call_a', 'one') },
        { type: 'response.output_item.added', output_index: 1, item: fc('fc_b', 'call_b', 'two') },
        { type: 'response.function_call_arguments.delta', item_id: 'fc_b', output_index: 1, delta: '{"b"' },
        { type: 'response.function_call_arguments.delta', item_id: 'fc_a', output_index: 0, delta: '{"a"' },
        { type: 'response.function_call_arguments.delta', item_id: 'fc_b', output_index: 1, delta: ':2}' },
        { type: 'response.function_call_arguments.delta', item_id: 'fc_a', output_index: 0, delta: ':1}' },
        { type: 'response.output_item.done', output_index: 0, item: { ...fc('fc_a', 'call_a', 'one'), status: 'completed', arguments: '{"a":1}' } },
        { type: 'response.output_item.done', output_index: 1, item: { ...fc('fc_b', 'call_b', 'two'), status: 'completed', arguments: '{"b":2}' } },
      ],
    });
    const events = await collect(provider, request([user('x')]));
    const args = (callId: string) => ofType(events, 'tool-call-delta').filter((d) => d.callId === callId).map((d) => d.delta).join('');
    assert.equal(args('call_a'), '{"a":1}');
    assert.equal(args('call_b'), '{"b":2}');
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'tool_calls', rawReason: 'completed' });
  });

  it('maps several summary parts, raw reasoning text, and ignores unknown events', async () => {
    const rs = { id: 'rs_x', type: 'reasoning', summary: [] };
    fake.enqueue({
      kind: 'events',
      events: [
        { type: 'response.output_item.added', output_index: 0, item: rs },
        { type: 'response.reasoning_summary_part.added', item_id: 'rs_x', output_index: 0, summary_index: 0, part: { type: 'summary_text', text: '' } },
        { type: 'response.reasoning_summary_text.delta', item_id: 'rs_x', output_index: 0, summary_index: 0, delta: 'First.' },
        { type: 'response.reasoning_summary_part.added', item_id: 'rs_x', output_index: 0, summary_index: 1, part: { type: 'summary_text', text: '' } },
        { type: 'response.reasoning_summary_text.delta', item_id: 'rs_x', output_index: 0, summary_index: 1, delta: 'Second.' },
        { type: 'response.reasoning_text.delta', item_id: 'rs_x', output_index: 0, content_index: 0, delta: 'raw thought' },
        { type: 'response.some_future_event.delta', item_id: 'rs_x', delta: 'ignored' },
        { type: 'response.output_item.done', output_index: 0, item: { ...rs, summary: [{ type: 'summary_text', text: 'First.' }, { type: 'summary_text', text: 'Second.' }], encrypted_content: 'enc' } },
      ],
    });
    const events = await collect(provider, request([user('x')]));
    assert.deepEqual(events.slice(1, 6), [
      { type: 'reasoning-summary-delta', delta: 'First.', summaryIndex: 0 },
      { type: 'reasoning-summary-delta', delta: 'Second.', summaryIndex: 1 },
      { type: 'reasoning-delta', delta: 'raw thought' },
      { type: 'reasoning-signature', signature: 'enc' },
      { type: 'reasoning-end', id: 'rs_x' },
    ]);
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'stop', rawReason: 'completed' });
  });

  it('relays a hosted-tool item as start / progress / done, with every progress event and its payload', async () => {
    const ws = { id: 'ws_1', type: 'web_search_call', status: 'completed', action: { type: 'search', query: 'switchboard', sources: [{ type: 'url', url: 'https://example.com' }] } };
    const ci = { id: 'ci_1', type: 'code_interpreter_call', status: 'completed', code: 'print(1)', container_id: 'cntr_1', outputs: [{ type: 'logs', logs: '1' }] };
    fake.enqueue({
      kind: 'events',
      events: [
        { type: 'response.output_item.added', output_index: 0, item: { id: 'ws_1', type: 'web_search_call', status: 'in_progress' } },
        { type: 'response.web_search_call.in_progress', item_id: 'ws_1', output_index: 0 },
        { type: 'response.web_search_call.searching', item_id: 'ws_1', output_index: 0 },
        { type: 'response.web_search_call.completed', item_id: 'ws_1', output_index: 0 },
        { type: 'response.output_item.done', output_index: 0, item: ws },
        { type: 'response.output_item.added', output_index: 1, item: { ...ci, status: 'in_progress', code: '', outputs: null } },
        { type: 'response.code_interpreter_call_code.delta', item_id: 'ci_1', output_index: 1, delta: 'print(1)', obfuscation: 'xyz' },
        { type: 'response.code_interpreter_call_code.done', item_id: 'ci_1', output_index: 1, code: 'print(1)' },
        // a type OpenAI may add later, about a hosted item: relayed
        { type: 'response.code_interpreter_call.future_phase', item_id: 'ci_1', output_index: 1, detail: 7 },
        { type: 'response.output_item.done', output_index: 1, item: ci },
        { type: 'response.output_item.added', output_index: 2, item: { id: 'msg_1', type: 'message', status: 'in_progress', role: 'assistant', content: [] } },
        { type: 'response.content_part.added', item_id: 'msg_1', output_index: 2, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } },
        { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 2, content_index: 0, delta: 'Found it.', logprobs: [] },
        { type: 'response.output_text.done', item_id: 'msg_1', output_index: 2, content_index: 0, text: 'Found it.', logprobs: [] },
        { type: 'response.output_item.done', output_index: 2, item: { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Found it.', annotations: [] }] } },
      ],
    });
    const events = await collect(provider, request([user('search')], { tools: [{ type: 'web_search' }, { type: 'code_interpreter', container: { type: 'auto' } }] }));
    const hosted = events.filter((e) => e.type.startsWith('hosted-item-'));
    assert.deepEqual(hosted, [
      { type: 'hosted-item-start', key: 'ws_1', item: { id: 'ws_1', type: 'web_search_call', status: 'in_progress' } },
      { type: 'hosted-item-event', key: 'ws_1', name: 'web_search_call.in_progress', fields: {} },
      { type: 'hosted-item-event', key: 'ws_1', name: 'web_search_call.searching', fields: {} },
      { type: 'hosted-item-event', key: 'ws_1', name: 'web_search_call.completed', fields: {} },
      { type: 'hosted-item-done', key: 'ws_1', item: ws },
      { type: 'hosted-item-start', key: 'ci_1', item: { ...ci, status: 'in_progress', code: '', outputs: null } },
      { type: 'hosted-item-event', key: 'ci_1', name: 'code_interpreter_call_code.delta', fields: { delta: 'print(1)' } },
      { type: 'hosted-item-event', key: 'ci_1', name: 'code_interpreter_call_code.done', fields: { code: 'print(1)' } },
      { type: 'hosted-item-event', key: 'ci_1', name: 'code_interpreter_call.future_phase', fields: { detail: 7 } },
      { type: 'hosted-item-done', key: 'ci_1', item: ci },
    ]);
    assert.equal(ofType(events, 'item').length, 0);
    assert.equal(text(events), 'Found it.', 'message text not repeated from its .done item');
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'stop', rawReason: 'completed' });
  });

  it('maps annotation.added to text-annotation, and takes annotations the stream never announced from the .done item', async () => {
    const cite = (n: number) => ({ type: 'url_citation', start_index: 0, end_index: 5, title: `t${n}`, url: `https://example.com/${n}` });
    const done = { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Cited', annotations: [cite(0), cite(1)] }] };
    fake.enqueue({
      kind: 'events',
      events: [
        { type: 'response.output_item.added', output_index: 0, item: { id: 'msg_1', type: 'message', status: 'in_progress', role: 'assistant', content: [] } },
        { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Cited', logprobs: [] },
        { type: 'response.output_text.annotation.added', item_id: 'msg_1', output_index: 0, content_index: 0, annotation_index: 0, annotation: cite(0) },
        { type: 'response.output_item.done', output_index: 0, item: done },
      ],
    });
    const events = await collect(provider, request([user('cite')]));
    assert.deepEqual(events.filter((e) => e.type === 'text-delta' || e.type === 'text-annotation'), [
      { type: 'text-delta', delta: 'Cited' },
      { type: 'text-annotation', annotation: cite(0) },
      { type: 'text-annotation', annotation: cite(1) },
    ]);

    // A message that arrives only whole: its text, then all its annotations.
    fake.enqueue({ kind: 'events', events: [{ type: 'response.output_item.done', output_index: 0, item: done }] });
    const whole = await collect(provider, request([user('cite')]));
    assert.deepEqual(whole.filter((e) => e.type === 'text-delta' || e.type === 'text-annotation'), [
      { type: 'text-delta', delta: 'Cited' },
      { type: 'text-annotation', annotation: cite(0) },
      { type: 'text-annotation', annotation: cite(1) },
    ]);
  });

  it('relays events about no item (audio) and drops what it cannot place or the builder makes itself', async () => {
    fake.enqueue({
      kind: 'events',
      events: [
        { type: 'response.audio.delta', delta: 'AAAA' },
        { type: 'response.audio.transcript.delta', delta: 'hi' },
        { type: 'response.audio.transcript.done' },
        { type: 'response.audio.done' },
        { type: 'response.output_item.added', output_index: 0, item: { id: 'msg_1', type: 'message', status: 'in_progress', role: 'assistant', content: [] } },
        { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'ok', logprobs: [] },
        // a future event about a message: the builder shapes messages itself, so not relayed
        { type: 'response.output_text.future', item_id: 'msg_1', output_index: 0, content_index: 0 },
        // about an item never announced: nothing to map it to (not even the item at the output_index it gives)
        { type: 'response.web_search_call.searching', item_id: 'ws_unknown', output_index: 5 },
        { type: 'response.web_search_call.searching', item_id: 'ws_unknown', output_index: 0 },
        // carries the upstream's own Response
        { type: 'response.future_snapshot', response: { id: 'resp_upstream' } },
        // not a Responses event at all
        { type: 'keepalive' },
        { type: 'response.output_item.done', output_index: 0, item: { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'ok', annotations: [] }] } },
      ],
    });
    const events = await collect(provider, request([user('x')]));
    assert.deepEqual(ofType(events, 'response-event'), [
      { type: 'response-event', name: 'audio.delta', fields: { delta: 'AAAA' } },
      { type: 'response-event', name: 'audio.transcript.delta', fields: { delta: 'hi' } },
      { type: 'response-event', name: 'audio.transcript.done', fields: {} },
      { type: 'response-event', name: 'audio.done', fields: {} },
    ]);
    assert.equal(events.filter((e) => e.type.startsWith('hosted-item-')).length, 0);
    assert.deepEqual(events.map((e) => e.type), [
      'metadata', 'response-event', 'response-event', 'response-event', 'response-event', 'text-delta', 'usage', 'finish',
    ]);
  });

  it('streams a refusal', async () => {
    fake.enqueue({ kind: 'reply', refusal: "I can't help with that." });
    const events = await collect(provider, request([user('bad')]));
    assert.equal(ofType(events, 'refusal-delta').map((e) => e.delta).join(''), "I can't help with that.");
    assert.equal(text(events), '');
  });

  it('maps response.incomplete to length / content_filter', async () => {
    fake.enqueue({ kind: 'reply', text: 'It was the best of', finish: 'length', usage: { input: 5, output: 16 } });
    const events = await collect(provider, request([user('write')], { max_output_tokens: 16 }));
    assert.equal(text(events), 'It was the best of');
    assert.deepEqual(ofType(events, 'usage')[0].usage, { inputTokens: 5, outputTokens: 16, cachedTokens: 0, reasoningTokens: 0 });
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'length', rawReason: 'max_output_tokens' });

    fake.enqueue({ kind: 'reply', text: 'Well', finish: 'content_filter' });
    const filtered = await collect(provider, request([user('x')]));
    assert.deepEqual(filtered.at(-1), { type: 'finish', reason: 'content_filter', rawReason: 'content_filter' });
  });

  it('ends a tool call cut short by max_output_tokens', async () => {
    fake.enqueue({
      kind: 'events',
      complete: false,
      events: [
        { type: 'response.output_item.added', output_index: 0, item: { id: 'fc_cut', type: 'function_call', status: 'in_progress', arguments: '', call_id: 'call_cut', name: 'write' } },
        { type: 'response.function_call_arguments.delta', item_id: 'fc_cut', output_index: 0, delta: '{"text":"lo' },
        { type: 'response.incomplete', response: { id: 'resp_cut', status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [], usage: { input_tokens: 2, output_tokens: 8 } } },
      ],
    });
    const events = await collect(provider, request([user('x')], { max_output_tokens: 8 }));
    assert.deepEqual(events.slice(-4), [
      { type: 'tool-call-delta', callId: 'call_cut', delta: '{"text":"lo' },
      { type: 'tool-call-end', callId: 'call_cut' },
      { type: 'usage', usage: { inputTokens: 2, outputTokens: 8 } },
      { type: 'finish', reason: 'length', rawReason: 'max_output_tokens' },
    ]);
  });

  describe('errors', () => {
    it('401 → UpstreamError upstream_auth_error before any event', async () => {
      fake.enqueue({ kind: 'error', status: 401 });
      const n = fake.received.length;
      await assert.rejects(provider.stream(request([user('x')])), (e: unknown) => {
        assert.ok(e instanceof UpstreamError);
        assert.equal(e.upstreamStatus, 401);
        assert.equal(e.code, 'upstream_auth_error');
        assert.match(e.message, /Incorrect API key/);
        return true;
      });
      assert.equal(fake.received.length, n + 1, 'not retried');
    });

    it('429 → upstream_rate_limited with retry-after', async () => {
      fake.enqueue({ kind: 'error', status: 429, headers: { 'retry-after': '7' } });
      await assert.rejects(provider.stream(request([user('x')])), (e: unknown) => {
        assert.ok(e instanceof UpstreamError);
        assert.equal(e.upstreamStatus, 429);
        assert.equal(e.code, 'upstream_rate_limited');
        assert.equal(e.retryAfter, '7');
        assert.match(e.message, /Rate limit reached/);
        return true;
      });
    });

    it('500 → upstream_error', async () => {
      fake.enqueue({ kind: 'error', status: 500, message: 'boom' });
      await assert.rejects(provider.stream(request([user('x')])), (e: unknown) => {
        assert.ok(e instanceof UpstreamError);
        assert.equal(e.upstreamStatus, 500);
        assert.equal(e.code, 'upstream_error');
        assert.equal(e.message, 'boom');
        return true;
      });
    });

    it('response.failed mid-stream → UpstreamError after the deltas so far', async () => {
      fake.enqueue({ kind: 'failed', text: 'Half an ans', code: 'server_error', message: 'The model crashed.' });
      const { events, error } = await collectUntilError(provider, request([user('x')]));
      assert.equal(text(events), 'Half an ans');
      assert.ok(error instanceof UpstreamError);
      assert.equal(error.code, 'upstream_error');
      assert.match(error.message, /server_error: The model crashed\./);
    });

    it('an `error` event → UpstreamError with the upstream code', async () => {
      fake.enqueue({ kind: 'events', complete: false, events: [{ type: 'error', code: 'rate_limit_exceeded', message: 'Slow down.', param: null }] });
      const { error } = await collectUntilError(provider, request([user('x')]));
      assert.ok(error instanceof UpstreamError);
      assert.equal(error.code, 'upstream_rate_limited');
      assert.equal(error.upstreamStatus, 429);
      assert.match(error.message, /Slow down\./);
    });

    it('a stream that ends without a terminal event → upstream_bad_response', async () => {
      fake.enqueue({ kind: 'events', complete: false, events: [{ type: 'response.output_item.added', output_index: 0, item: { id: 'msg_1', type: 'message', role: 'assistant', content: [] } }] });
      const { error } = await collectUntilError(provider, request([user('x')]));
      assert.ok(error instanceof UpstreamError);
      assert.equal(error.code, 'upstream_bad_response');
    });

    it('a stream line that is not JSON → upstream_bad_response, as for every other kind (not skipped)', async () => {
      fake.enqueue({ kind: 'events', events: [
        { type: 'response.output_item.added', output_index: 0, item: { id: 'msg_1', type: 'message', role: 'assistant', content: [] } },
        { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hel' },
        { raw: 'data: {"type":"response.output_text.delta", this is not json\n\n' },
        { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'lo' },
      ] });
      const { events, error } = await collectUntilError(provider, request([user('x')]));
      assert.equal(text(events), 'Hel');
      assert.ok(error instanceof UpstreamError);
      assert.equal(error.code, 'upstream_bad_response');
      assert.match(error.message, /malformed stream chunk/);
    });

    it('a `[DONE]` sentinel line (some proxies add one) is skipped, not an error', async () => {
      fake.enqueue({ kind: 'events', events: [{ raw: 'data: [DONE]\n\n' }] });
      const { events, error } = await collectUntilError(provider, request([user('x')]));
      assert.equal(error, undefined);
      assert.equal(events.at(-1)!.type, 'finish');
    });

    it('a dropped connection mid-stream → UpstreamError', async () => {
      fake.enqueue({ kind: 'drop-mid-stream', text: 'partial answer' });
      const { events, error } = await collectUntilError(provider, request([user('x')]));
      assert.ok(text(events).length <= 'partial answer'.length);
      assert.ok(error instanceof UpstreamError);
    });

    it('aborting the signal ends a hanging call', async () => {
      fake.enqueue({ kind: 'hang' });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      await assert.rejects(provider.stream(request([user('x')], {}, { signal: controller.signal })), (e: unknown) => {
        assert.ok(e instanceof UpstreamError);
        assert.equal(e.code, 'aborted');
        return true;
      });
    });
  });

  describe('encrypted reasoning fallbacks', () => {
    it('does not ask GPT-4-family models for encrypted reasoning', async () => {
      await collect(provider, request([user('x')], {}, { model: 'gpt-4.1-mini' }));
      assert.ok(!('include' in lastBody()));
    });

    it('retries once without it when a model refuses it, and remembers the model', async () => {
      const n = fake.received.length;
      const events = await collect(provider, request([user('hello')], { include: ['message.input_image.image_url'] }, { model: 'plain-model' }));
      assert.equal(text(events), 'echo: hello');
      assert.equal(fake.received.length, n + 2);
      assert.deepEqual(fake.received[n].body.include, ['reasoning.encrypted_content', 'message.input_image.image_url']);
      assert.deepEqual(fake.received[n + 1].body.include, ['message.input_image.image_url']);

      await collect(provider, request([user('again')], {}, { model: 'plain-model' }));
      assert.equal(fake.received.length, n + 3, 'no second refusal for the same model');
      assert.ok(!('include' in lastBody()));
    });

    it('surfaces the 400 when the client itself asked for encrypted reasoning', async () => {
      await assert.rejects(
        provider.stream(request([user('x')], { include: ['reasoning.encrypted_content'] }, { model: 'plain-model' })),
        (e: unknown) => e instanceof UpstreamError && e.upstreamStatus === 400 && /not supported/.test(e.message),
      );
    });

    it('retries without reasoning items when OpenAI cannot verify a foreign blob', async () => {
      const strict = await startFakeResponses({ strictEncryptedContent: true });
      try {
        const p = createOpenAIResponsesProvider(configFor(strict));
        const history: Item[] = [
          user('q1'),
          { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'EqQBCkYIBxgCKkB-anthropic-signature' },
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'a1', annotations: [] }] },
          user('q2'),
        ];
        const events = await collect(p, request(history));
        assert.equal(text(events), 'echo: q2');
        assert.equal(strict.received.length, 2);
        assert.ok(strict.received[0].body.input.some((i: { type: string }) => i.type === 'reasoning'));
        assert.deepEqual(strict.received[1].body.input.map((i: { type: string }) => i.type), ['message', 'message', 'message']);
      } finally {
        await strict.close();
      }
    });
  });
});

describe('fake Responses upstream', () => {
  let fake: FakeResponses;
  before(async () => { fake = await startFakeResponses(); });
  after(() => fake.close());

  it('speaks OpenAI SSE framing with sequence numbers from 0 in the documented order', async () => {
    const res = await fetch(`${fake.baseUrl}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5', input: 'hi', stream: true }),
    });
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const frames = (await res.text()).trim().split('\n\n').map((f) => {
      const [eventLine, dataLine] = f.split('\n');
      const data = JSON.parse(dataLine.slice('data: '.length));
      assert.equal(eventLine, `event: ${data.type}`);
      return data;
    });
    assert.deepEqual(frames.map((f) => f.sequence_number), frames.map((_, i) => i));
    const types = frames.map((f) => f.type);
    assert.deepEqual([...new Set(types)], [
      'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
      'response.output_text.delta', 'response.output_text.done', 'response.content_part.done',
      'response.output_item.done', 'response.completed',
    ]);
    assert.ok(frames.find((f) => f.type === 'response.output_text.delta').obfuscation, 'obfuscation by default');
    const completed = frames.at(-1);
    assert.equal(completed.response.output[0].content[0].text, 'echo: hi');
    assert.equal(typeof completed.response.usage.total_tokens, 'number');
  });

  it('answers non-streaming requests with the Response JSON, and unknown params with 400', async () => {
    fake.enqueue({ kind: 'reply', text: 'plain' });
    const res = await fetch(`${fake.baseUrl}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5', input: 'hi' }),
    });
    const json = await res.json() as { object: string; status: string; output: { content: { text: string }[] }[] };
    assert.equal(json.object, 'response');
    assert.equal(json.status, 'completed');
    assert.equal(json.output[0].content[0].text, 'plain');

    const bad = await fetch(`${fake.baseUrl}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5', input: 'hi', seed: 1 }),
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), { error: { message: "Unknown parameter: 'seed'.", type: 'invalid_request_error', param: 'seed', code: 'unknown_parameter' } });
  });

  it('rejects, like OpenAI, reasoning ids it would have to look up with store:false', async () => {
    const res = await fetch(`${fake.baseUrl}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5', store: false, stream: true, input: [{ type: 'reasoning', id: 'rs_abc', summary: [] }] }),
    });
    assert.equal(res.status, 404);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /Item with id 'rs_abc' not found/);
  });
});
