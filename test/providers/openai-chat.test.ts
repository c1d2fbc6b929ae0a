import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, UpstreamError } from '../../src/api/errors.js';
import type { CreateParams } from '../../src/api/create-params.js';
import type { Item } from '../../src/api/items.js';
import type { ProviderConfig } from '../../src/config/types.js';
import { createOpenAIChatProvider, OPENAI_CHAT_PARAMS } from '../../src/providers/openai-chat/index.js';
import { mapChatStream } from '../../src/providers/openai-chat/map-chat-stream.js';
import { flattenTools } from '../../src/providers/tool-mapping.js';
import type { ModelEvent, Provider } from '../../src/providers/types.js';
import type { SseMessage } from '../../src/providers/sse-messages.js';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { testProviderConfig } from '../helpers/provider-config.js';

let fake: FakeUpstream;
before(async () => { fake = await startFakeChatCompletions(); });
after(async () => { await fake.close(); });

function config(over: Partial<ProviderConfig> = {}): ProviderConfig {
  return testProviderConfig('openai-chat', fake.baseUrl, { name: 'local', apiKey: 'sk-test', ...over });
}

const user = (text: string): Item => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });

async function run(provider: Provider, input: Item[], params: Partial<CreateParams> = {}, instructions: string | null = null) {
  const iterable = await provider.stream({
    model: 'm1',
    instructions,
    input,
    // Streamed unless a test says otherwise: the upstream is then streamed too (see the non-streamed tests).
    params: { model: 'local/m1', stream: true, ...params },
    signal: new AbortController().signal,
  });
  const events: ModelEvent[] = [];
  for await (const e of iterable) events.push(e);
  return events;
}

const lastBody = () => fake.received.at(-1)!.body;
const textOf = (events: ModelEvent[]) => events.flatMap((e) => (e.type === 'text-delta' ? [e.delta] : [])).join('');

describe('openai-chat provider against a fake Chat Completions server', () => {
  test('plain text: events, request body, path and auth header', async () => {
    fake.enqueue({ kind: 'reply', text: 'Hello there!', usage: { input: 11, output: 3 } });
    const events = await run(createOpenAIChatProvider(config()), [user('hi')], {}, 'Be brief.');

    assert.deepEqual(events, [
      { type: 'metadata', model: 'm1' },
      { type: 'text-delta', delta: 'Hell' },
      { type: 'text-delta', delta: 'o th' },
      { type: 'text-delta', delta: 'ere!' },
      { type: 'usage', usage: { inputTokens: 11, outputTokens: 3, cachedTokens: 0, reasoningTokens: 0 } },
      { type: 'finish', reason: 'stop' },
    ]);
    const req = fake.received.at(-1)!;
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/v1/chat/completions');
    assert.equal(req.headers.authorization, 'Bearer sk-test');
    assert.deepEqual(req.body, {
      model: 'm1',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  test('no Authorization header when the api key is empty; the echo default answers', async () => {
    const events = await run(createOpenAIChatProvider(config({ apiKey: '' })), [user('ping')]);
    assert.equal(fake.received.at(-1)!.headers.authorization, undefined);
    assert.equal(textOf(events), 'echo: ping');
  });

  test('multi-turn history: reasoning, parallel calls, outputs and developer messages become the exact messages', async () => {
    const input: Item[] = [
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Use tools.' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Weather in Paris' }, { type: 'input_text', text: 'and Oslo?' }] },
      { type: 'reasoning', summary: [{ type: 'summary_text', text: 'summary only' }], content: [{ type: 'reasoning_text', text: 'Need two lookups.' }], encrypted_content: 'gAAA-opaque' },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking both.', annotations: [] }] },
      { type: 'function_call', call_id: 'call_a', name: 'weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call', call_id: 'call_b', name: 'lookup', namespace: 'geo', arguments: '{"city":"Oslo"}' },
      { type: 'function_call_output', call_id: 'call_a', output: '18C' },
      { type: 'function_call_output', call_id: 'call_b', output: [{ type: 'input_text', text: '9' }, { type: 'input_text', text: 'C' }] },
      { type: 'reasoning', summary: [{ type: 'summary_text', text: 'Compare.' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Paris is warmer.', annotations: [] }] },
      { type: 'reasoning', summary: [{ type: 'summary_text', text: 'orphan, never sent' }] },
      user('Thanks'),
    ];
    await run(createOpenAIChatProvider(config()), input, {}, 'sys');
    assert.deepEqual(lastBody().messages, [
      { role: 'system', content: 'sys' },
      { role: 'system', content: 'Use tools.' },
      { role: 'user', content: 'Weather in Paris\nand Oslo?' },
      {
        role: 'assistant',
        content: 'Checking both.',
        reasoning_content: 'Need two lookups.',
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_b', type: 'function', function: { name: 'geo__lookup', arguments: '{"city":"Oslo"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_a', content: '18C' },
      { role: 'tool', tool_call_id: 'call_b', content: '9C' },
      { role: 'assistant', content: 'Paris is warmer.', reasoning_content: 'Compare.' },
      { role: 'user', content: 'Thanks' },
    ]);
  });

  test('tool calls alone, refusals and custom tool history', async () => {
    const input: Item[] = [
      user('go'),
      { type: 'custom_tool_call', call_id: 'call_c', name: 'apply_patch', input: '*** Begin Patch' },
      { type: 'custom_tool_call_output', call_id: 'call_c', output: 'Done' },
      { type: 'message', role: 'assistant', content: [{ type: 'refusal', refusal: 'I cannot.' }] },
    ];
    await run(createOpenAIChatProvider(config()), input);
    assert.deepEqual(lastBody().messages, [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_c', type: 'function', function: { name: 'apply_patch', arguments: '{"input":"*** Begin Patch"}' } }] },
      { role: 'tool', tool_call_id: 'call_c', content: 'Done' },
      { role: 'assistant', content: null, refusal: 'I cannot.' },
    ]);
  });

  test('namespace and custom tools round-trip: flat names out, origins back', async () => {
    const tools = [
      { type: 'function', name: 'weather', description: 'Get weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true },
      { type: 'namespace', name: 'geo', tools: [{ type: 'function', name: 'lookup', parameters: { type: 'object', properties: {} } }] },
      { type: 'custom', name: 'apply_patch', description: 'Patch files' },
    ];
    fake.enqueue({
      kind: 'reply',
      reasoning: 'Think.',
      toolCalls: [
        { name: 'geo__lookup', arguments: '{"q":"Oslo"}', id: 'call_1' },
        { name: 'apply_patch', arguments: JSON.stringify({ input: '*** Begin Patch\n*** End Patch' }), id: 'call_2' },
      ],
    });
    const events = await run(createOpenAIChatProvider(config()), [user('do it')], { tools, tool_choice: 'required', parallel_tool_calls: true });

    const body = lastBody();
    assert.deepEqual(body.tools.map((t: any) => t.function.name), ['weather', 'geo__lookup', 'apply_patch']);
    assert.deepEqual(body.tools[0], {
      type: 'function',
      function: { name: 'weather', description: 'Get weather', parameters: tools[0].parameters, strict: true },
    });
    assert.equal(body.tools[2].function.parameters.required[0], 'input');
    assert.equal(body.tool_choice, 'required');
    assert.equal(body.parallel_tool_calls, true);

    const nonMeta = events.filter((e) => e.type !== 'metadata' && e.type !== 'usage');
    assert.deepEqual(nonMeta.filter((e) => e.type !== 'tool-call-delta'), [
      { type: 'reasoning-delta', delta: 'Thin' },
      { type: 'reasoning-delta', delta: 'k.' },
      { type: 'reasoning-end' },
      { type: 'tool-call-start', callId: 'call_1', name: 'lookup', namespace: 'geo' },
      { type: 'tool-call-start', callId: 'call_2', name: 'apply_patch', kind: 'custom' },
      { type: 'tool-call-end', callId: 'call_1', arguments: '{"q":"Oslo"}' },
      { type: 'tool-call-end', callId: 'call_2', arguments: '*** Begin Patch\n*** End Patch' },
      { type: 'finish', reason: 'tool_calls' },
    ]);
    const deltas = events.filter((e): e is Extract<ModelEvent, { type: 'tool-call-delta' }> => e.type === 'tool-call-delta');
    assert.ok(deltas.length > 1, 'arguments arrive in fragments');
    assert.ok(deltas.every((d) => d.callId === 'call_1'), 'custom tool input is not streamed as JSON fragments');
    assert.equal(deltas.map((d) => d.delta).join(''), '{"q":"Oslo"}');
  });

  test('tool_choice forms: function in a namespace, custom, allowed_tools restricts the list', async () => {
    const tools = [
      { type: 'function', name: 'a', parameters: { type: 'object', properties: {} } },
      { type: 'namespace', name: 'ns', tools: [{ type: 'function', name: 'b' }, { type: 'function', name: 'c' }] },
      { type: 'custom', name: 'free' },
    ];
    const p = createOpenAIChatProvider(config());
    await run(p, [user('x')], { tools, tool_choice: { type: 'function', name: 'b', namespace: 'ns' } });
    assert.deepEqual(lastBody().tool_choice, { type: 'function', function: { name: 'ns__b' } });
    await run(p, [user('x')], { tools, tool_choice: { type: 'custom', name: 'free' } });
    assert.deepEqual(lastBody().tool_choice, { type: 'function', function: { name: 'free' } });
    await run(p, [user('x')], {
      tools,
      tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'a' }, { type: 'namespace', name: 'ns' }] },
    });
    assert.deepEqual(lastBody().tools.map((t: any) => t.function.name), ['a', 'ns__b', 'ns__c']);
    assert.equal(lastBody().tool_choice, 'required');
    await assert.rejects(run(p, [user('x')], { tools, tool_choice: { type: 'file_search' } }),
      (e: unknown) => e instanceof ApiError && e.status === 400 && e.param === 'tool_choice.type');
  });

  test('images and files become image_url / file parts; file_id and file_url are rejected', async () => {
    const p = createOpenAIChatProvider(config());
    await run(p, [{
      type: 'message',
      role: 'user',
      content: [
        { type: 'input_text', text: 'Describe these' },
        { type: 'input_image', image_url: 'https://example.com/cat.png', detail: 'high' },
        { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=' },
        { type: 'input_file', filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' },
      ],
    }, {
      type: 'function_call', call_id: 'call_s', name: 'screenshot', arguments: '{}',
    }, {
      type: 'function_call_output', call_id: 'call_s', output: [{ type: 'input_text', text: 'shot:' }, { type: 'input_image', image_url: 'data:image/png;base64,AAAA' }],
    }]);
    const [first, , tool] = lastBody().messages;
    assert.deepEqual(first, {
      role: 'user',
      content: [
        { type: 'text', text: 'Describe these' },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'high' } },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
      ],
    });
    assert.deepEqual(tool, {
      role: 'tool',
      tool_call_id: 'call_s',
      content: [{ type: 'text', text: 'shot:' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }],
    });

    const before = fake.received.length;
    for (const part of [{ type: 'input_image', file_id: 'file_1' }, { type: 'input_file', file_id: 'file_2' }, { type: 'input_file', file_url: 'https://x/y.pdf' }]) {
      await assert.rejects(run(p, [{ type: 'message', role: 'user', content: [part as any] }]), (e: unknown) => {
        assert.ok(e instanceof ApiError);
        assert.equal(e.status, 400);
        assert.equal(e.code, 'unsupported_parameter');
        assert.match(e.message, part.file_id ? /Files API/ : /file_url/);
        return true;
      });
    }
    await assert.rejects(run(p, [{ type: 'web_search_call', id: 'ws_1', status: 'completed' }]),
      (e: unknown) => e instanceof ApiError && e.status === 400 && /web_search_call/.test(e.message));
    assert.equal(fake.received.length, before, 'nothing was sent upstream for rejected input');
  });

  test('sampling and other model params are mapped or passed', async () => {
    await run(createOpenAIChatProvider(config()), [user('x')], {
      max_output_tokens: 256,
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      seed: 7,
      stop: ['END'],
      presence_penalty: 0.1,
      frequency_penalty: 0.3,
      repetition_penalty: 1.1,
      top_logprobs: 3,
      user: 'u-1',
      reasoning: { effort: 'high', summary: 'auto' },
      text: { verbosity: 'low' },
      service_tier: 'flex',
      safety_identifier: 'sid',
      prompt_cache_key: 'pck',
      prompt_cache_retention: '24h',
      parallel_tool_calls: false, // no tools: not sent
    });
    const { messages, ...rest } = lastBody();
    assert.deepEqual(rest, {
      model: 'm1',
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 256,
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      seed: 7,
      stop: ['END'],
      presence_penalty: 0.1,
      frequency_penalty: 0.3,
      repetition_penalty: 1.1,
      logprobs: true,
      top_logprobs: 3,
      user: 'u-1',
      reasoning_effort: 'high',
      verbosity: 'low',
      service_tier: 'flex',
      safety_identifier: 'sid',
      prompt_cache_key: 'pck',
      prompt_cache_retention: '24h',
    });
    for (const key of ['temperature', 'top_k', 'reasoning', 'text']) assert.ok(OPENAI_CHAT_PARAMS.has(key), key);
    // top_logprobs: logprobs cannot be carried back yet, so the service rejects it rather than drop them.
    for (const key of ['metadata', 'store', 'background', 'previous_response_id', 'top_logprobs']) assert.ok(!OPENAI_CHAT_PARAMS.has(key), key);
  });

  test('text.format json_schema → response_format json_schema; json_object → json_object', async () => {
    const p = createOpenAIChatProvider(config());
    const schema = { type: 'object', properties: { a: { type: 'number' } }, required: ['a'], additionalProperties: false };
    await run(p, [user('x')], { text: { format: { type: 'json_schema', name: 'answer', schema, strict: true, description: 'An answer' } } });
    assert.deepEqual(lastBody().response_format, {
      type: 'json_schema',
      json_schema: { name: 'answer', schema, strict: true, description: 'An answer' },
    });
    await run(p, [user('x')], { text: { format: { type: 'json_object' } } });
    assert.deepEqual(lastBody().response_format, { type: 'json_object' });
    await run(p, [user('x')], { text: { format: { type: 'text' } } });
    assert.equal(lastBody().response_format, undefined);
  });

  test('usage with cached and reasoning tokens comes before the finish; reasoning ends before text', async () => {
    fake.enqueue({ kind: 'reply', reasoning: 'Hmm', text: 'Ok', usage: { input: 100, output: 20, cached: 64, reasoning: 12 } });
    const events = await run(createOpenAIChatProvider(config()), [user('x')]);
    assert.deepEqual(events.slice(1), [
      { type: 'reasoning-delta', delta: 'Hmm' },
      { type: 'reasoning-end' },
      { type: 'text-delta', delta: 'Ok' },
      { type: 'usage', usage: { inputTokens: 100, outputTokens: 20, cachedTokens: 64, reasoningTokens: 12 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  test('length finish and refusal deltas', async () => {
    fake.enqueue({ kind: 'reply', text: 'cut o', finish: 'length' }, { kind: 'reply', refusal: 'No way', finish: 'content_filter' });
    const p = createOpenAIChatProvider(config());
    const cut = await run(p, [user('x')], { max_output_tokens: 2 });
    assert.deepEqual(cut.at(-1), { type: 'finish', reason: 'length' });
    assert.equal(textOf(cut), 'cut o');
    const refused = await run(p, [user('x')]);
    assert.deepEqual(refused.filter((e) => e.type === 'refusal-delta').map((e) => (e as { delta: string }).delta).join(''), 'No way');
    assert.deepEqual(refused.at(-1), { type: 'finish', reason: 'content_filter' });
  });

  for (const [status, code] of [[401, 'upstream_auth_error'], [429, 'upstream_rate_limited'], [500, 'upstream_error']] as const) {
    test(`HTTP ${status} → UpstreamError before any event`, async () => {
      fake.enqueue({ kind: 'error', status, message: `boom ${status}`, headers: status === 429 ? { 'retry-after': '7' } : {} });
      await assert.rejects(run(createOpenAIChatProvider(config()), [user('x')]), (e: unknown) => {
        assert.ok(e instanceof UpstreamError);
        assert.equal(e.upstreamStatus, status);
        assert.equal(e.code, code);
        assert.equal(e.message, `boom ${status}`);
        assert.equal(e.retryAfter, status === 429 ? '7' : null);
        return true;
      });
    });
  }

  test('connection dropped mid-stream → the iterator throws UpstreamError after the text so far', async () => {
    fake.enqueue({ kind: 'drop-mid-stream', text: 'partial answer' });
    const iterable = await createOpenAIChatProvider(config()).stream({
      model: 'm1', instructions: null, input: [user('x')], params: { model: 'local/m1', stream: true }, signal: new AbortController().signal,
    });
    const events: ModelEvent[] = [];
    await assert.rejects((async () => { for await (const e of iterable) events.push(e); })(), UpstreamError);
    assert.equal(textOf(events), 'partial answer');
    assert.ok(!events.some((e) => e.type === 'finish'));
  });

  test('a client that does not stream gets a non-streamed upstream call with the same events', async () => {
    const turn = {
      kind: 'reply' as const, reasoning: 'think first', text: 'Done.', usage: { input: 20, output: 9, reasoning: 2 },
      toolCalls: [{ id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' }, { id: 'call_b', name: 'get_time', arguments: '{}' }],
    };
    const tools = [{ type: 'function', name: 'get_weather', parameters: {} }, { type: 'function', name: 'get_time', parameters: {} }];
    fake.enqueue(turn);
    const streamed = await run(createOpenAIChatProvider(config()), [user('weather?')], { tools });
    fake.enqueue(turn);
    const whole = await run(createOpenAIChatProvider(config()), [user('weather?')], { tools, stream: false });

    const body = lastBody();
    assert.equal(body.stream, false);
    assert.equal(body.stream_options, undefined);
    // Same events, except that text and reasoning arrive as one delta each instead of fragments.
    const merge = (events: ModelEvent[]) => events.reduce<ModelEvent[]>((out, e) => {
      const prev = out.at(-1);
      if (prev && prev.type === e.type && (e.type === 'text-delta' || e.type === 'reasoning-delta' || e.type === 'tool-call-delta') &&
          (e.type !== 'tool-call-delta' || (prev as { callId: string }).callId === e.callId)) {
        out[out.length - 1] = { ...prev, delta: (prev as { delta: string }).delta + e.delta } as ModelEvent;
      } else out.push(e);
      return out;
    }, []);
    assert.deepEqual(merge(whole), merge(streamed));
    assert.ok(whole.some((e) => e.type === 'tool-call-end' && e.callId === 'call_b'));
    assert.deepEqual(whole.at(-1), { type: 'finish', reason: 'tool_calls' });
  });

  test('a non-streamed answer cut off → UpstreamError, no events', async () => {
    fake.enqueue({ kind: 'drop-mid-stream', text: 'partial answer' });
    await assert.rejects(run(createOpenAIChatProvider(config()), [user('x')], { stream: false }), UpstreamError);
  });

  test('hosted tools: 400 at tools[i].type, or dropped with dropUnsupported', async () => {
    const tools = [{ type: 'function', name: 'f' }, { type: 'web_search' }];
    const before = fake.received.length;
    await assert.rejects(run(createOpenAIChatProvider(config()), [user('x')], { tools }), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, 400);
      assert.equal(e.param, 'tools[1].type');
      assert.equal(e.code, 'unsupported_parameter');
      return true;
    });
    assert.equal(fake.received.length, before);

    await run(createOpenAIChatProvider(config({ dropUnsupported: true })), [user('x')], { tools, tool_choice: { type: 'web_search' } });
    const body = lastBody();
    assert.deepEqual(body.tools, [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }]);
    assert.equal(body.tool_choice, undefined);
  });
});

describe('mapChatStream on other servers\' stream shapes', () => {
  const noTools = flattenTools([], false, 'p');
  async function mapAll(datas: string[], tools = noTools) {
    async function* sse(): AsyncGenerator<SseMessage> {
      for (const data of datas) yield { event: undefined, data };
    }
    const out: ModelEvent[] = [];
    for await (const e of mapChatStream(sse(), tools)) out.push(e);
    return out;
  }
  const c = (delta: unknown, finish: string | null = null, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ model: 'srv', choices: [{ index: 0, delta, finish_reason: finish }], ...extra });

  test('whole call in one chunk without id, `reasoning` field, finish in the same chunk, no [DONE]', async () => {
    const events = await mapAll([
      c({ role: 'assistant', reasoning: 'r1' }),
      c({ tool_calls: [{ index: 0, function: { name: 'f', arguments: '{"a":1}' } }] }, 'tool_calls', { usage: { prompt_tokens: 5, completion_tokens: 6 } }),
    ]);
    const start = events.find((e) => e.type === 'tool-call-start') as Extract<ModelEvent, { type: 'tool-call-start' }>;
    assert.match(start.callId, /^call_[0-9a-f]{32}$/);
    assert.deepEqual(events, [
      { type: 'metadata', model: 'srv' },
      { type: 'reasoning-delta', delta: 'r1' },
      { type: 'reasoning-end' },
      { type: 'tool-call-start', callId: start.callId, name: 'f' },
      { type: 'tool-call-delta', callId: start.callId, delta: '{"a":1}' },
      { type: 'tool-call-end', callId: start.callId, arguments: '{"a":1}' },
      { type: 'usage', usage: { inputTokens: 5, outputTokens: 6 } },
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });

  test('calls without index are told apart by id; arguments before the name wait for it; no-arg calls get {}', async () => {
    const events = await mapAll([
      c({ tool_calls: [{ id: 'x1', function: { name: 'f', arguments: '{"k"' } }] }),
      c({ tool_calls: [{ function: { arguments: ':2}' } }] }),
      c({ tool_calls: [{ id: 'x2', function: { name: 'g' } }] }),
      c({ tool_calls: [{ index: 5, id: 'x3', function: { arguments: '{}' } }] }),
      c({ tool_calls: [{ index: 5, function: { name: 'h' } }] }),
      c({}, 'stop'),
      '[DONE]',
    ]);
    assert.deepEqual(events.filter((e) => e.type.startsWith('tool-call')), [
      { type: 'tool-call-start', callId: 'x1', name: 'f' },
      { type: 'tool-call-delta', callId: 'x1', delta: '{"k"' },
      { type: 'tool-call-delta', callId: 'x1', delta: ':2}' },
      { type: 'tool-call-start', callId: 'x2', name: 'g' },
      { type: 'tool-call-start', callId: 'x3', name: 'h' },
      { type: 'tool-call-delta', callId: 'x3', delta: '{}' },
      { type: 'tool-call-end', callId: 'x1', arguments: '{"k":2}' },
      { type: 'tool-call-end', callId: 'x2', arguments: '{}' },
      { type: 'tool-call-end', callId: 'x3', arguments: '{}' },
    ]);
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'stop' });
  });

  test('unknown finish reason → other with rawReason; DeepSeek cache hits and Groq usage', async () => {
    const a = await mapAll([c({ content: 'x' }, 'abort', { usage: { prompt_tokens: 3, completion_tokens: 1, prompt_cache_hit_tokens: 2 } }), '[DONE]']);
    assert.deepEqual(a.slice(-2), [
      { type: 'usage', usage: { inputTokens: 3, outputTokens: 1, cachedTokens: 2 } },
      { type: 'finish', reason: 'other', rawReason: 'abort' },
    ]);
    const g = await mapAll([c({ content: 'x' }, 'stop', { x_groq: { usage: { prompt_tokens: 9, completion_tokens: 4 } } })]);
    assert.deepEqual(g.at(-2), { type: 'usage', usage: { inputTokens: 9, outputTokens: 4 } });
  });

  test('an error chunk mid-stream throws UpstreamError (OpenAI and vLLM shapes)', async () => {
    await assert.rejects(mapAll([c({ content: 'a' }), JSON.stringify({ error: { message: 'overloaded', type: 'server_error' } })]),
      (e: unknown) => e instanceof UpstreamError && /overloaded/.test(e.message) && e.code === 'upstream_error');
    await assert.rejects(mapAll([JSON.stringify({ object: 'error', message: 'bad things', code: 400 })]),
      (e: unknown) => e instanceof UpstreamError && /bad things/.test(e.message) && e.upstreamStatus === 400);
  });

  test('malformed JSON and a stream ending before the finish → upstream_bad_response', async () => {
    await assert.rejects(mapAll([c({ content: 'a' }), '{not json']),
      (e: unknown) => e instanceof UpstreamError && e.code === 'upstream_bad_response');
    await assert.rejects(mapAll([c({ content: 'a' }), '[DONE]']),
      (e: unknown) => e instanceof UpstreamError && e.code === 'upstream_bad_response' && /before completion/.test(e.message));
  });

  test('custom tool called with raw (non-JSON) arguments keeps the raw text', async () => {
    const tools = flattenTools([{ type: 'custom', name: 'sh' }], false, 'p');
    const events = await mapAll([c({ tool_calls: [{ index: 0, id: 'k', function: { name: 'sh', arguments: 'ls -la' } }] }, 'tool_calls')], tools);
    assert.deepEqual(events.filter((e) => e.type.startsWith('tool-call')), [
      { type: 'tool-call-start', callId: 'k', name: 'sh', kind: 'custom' },
      { type: 'tool-call-end', callId: 'k', arguments: 'ls -la' },
    ]);
  });
});
