/**
 * The `anthropic` provider against the fake Anthropic Messages API over real HTTP: the ModelEvents it yields
 * and the exact request the fake received.
 */
import { decodeThinkingState, encodeThinking } from '../../src/providers/anthropic/thinking-state-encoding.js';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, UpstreamError } from '../../src/api/errors.js';
import type { CreateParams } from '../../src/api/create-params.js';
import type { FunctionCallItem, Item, MessageItem, ReasoningItem } from '../../src/api/items.js';
import type { ProviderConfig } from '../../src/config/types.js';
import { testProviderConfig } from '../helpers/provider-config.js';
import type { ModelEvent, ModelRequest, Provider } from '../../src/providers/types.js';
import { ANTHROPIC_PARAMS, createAnthropicProvider } from '../../src/providers/anthropic/index.js';
import { JSON_OBJECT_INSTRUCTION } from '../../src/providers/anthropic/build-anthropic-request.js';
import { LEADING_USER_TEXT } from '../../src/providers/anthropic/convert-to-anthropic-messages.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.js';

let fake: FakeAnthropic;
let anthropic: Provider;

before(async () => {
  fake = await startFakeAnthropic();
  anthropic = makeProvider();
});
after(async () => { await fake.close(); });

function makeProvider(over: Partial<ProviderConfig> = {}): Provider {
  return createAnthropicProvider(testProviderConfig('anthropic', fake.baseUrl, over));
}

function request(input: Item[], params: Partial<CreateParams> = {}, instructions: string | null = null): ModelRequest {
  return {
    model: 'claude-test',
    instructions,
    input,
    params: { model: 'anthropic/claude-test', ...params },
    signal: new AbortController().signal,
  };
}

const user = (...texts: string[]): MessageItem => ({
  type: 'message', role: 'user', content: texts.map((text) => ({ type: 'input_text' as const, text })),
});
const assistant = (text: string): MessageItem => ({
  type: 'message', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }],
});
const call = (callId: string, name: string, args: string): FunctionCallItem => ({
  type: 'function_call', call_id: callId, name, arguments: args,
});
const output = (callId: string, out: string): Item => ({ type: 'function_call_output', call_id: callId, output: out });

async function run(req: ModelRequest, provider: Provider = anthropic): Promise<ModelEvent[]> {
  const events: ModelEvent[] = [];
  for await (const e of await provider.stream(req)) events.push(e);
  return events;
}

function lastBody(): any {
  return fake.received[fake.received.length - 1].body;
}

/** Sends a request and returns what the fake received (the reply is the fake's echo). */
async function sent(input: Item[], params: Partial<CreateParams> = {}, instructions: string | null = null): Promise<any> {
  await run(request(input, params, instructions));
  return lastBody();
}

const joined = (events: ModelEvent[], type: 'text-delta' | 'reasoning-delta' | 'reasoning-summary-delta') =>
  events.filter((e) => e.type === type).map((e) => (e as { delta: string }).delta).join('');

/** What the engine's ResponseBuilder would make of the events: enough to feed turn 1's output into turn 2. */
function itemsFromEvents(events: ModelEvent[]): Item[] {
  const items: Item[] = [];
  let reasoning: ReasoningItem | null = null;
  let message: MessageItem | null = null;
  const calls = new Map<string, FunctionCallItem>();
  const openReasoning = () => {
    if (!reasoning) {
      reasoning = { type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: '' }] };
      items.push(reasoning);
    }
    return reasoning;
  };
  for (const e of events) {
    if (e.type === 'reasoning-delta') openReasoning().content![0].text += e.delta;
    else if (e.type === 'reasoning-signature') openReasoning().encrypted_content = e.signature;
    else if (e.type === 'reasoning-end') reasoning = null;
    else if (e.type === 'text-delta') {
      reasoning = null;
      if (!message) {
        message = { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: '', annotations: [] }] };
        items.push(message);
      }
      (message.content[0] as { text: string }).text += e.delta;
    } else if (e.type === 'tool-call-start') {
      reasoning = null;
      message = null;
      const item: FunctionCallItem = { type: 'function_call', call_id: e.callId, name: e.name, arguments: '' };
      calls.set(e.callId, item);
      items.push(item);
    } else if (e.type === 'tool-call-delta') calls.get(e.callId)!.arguments += e.delta;
    else if (e.type === 'tool-call-end' && e.arguments !== undefined) calls.get(e.callId)!.arguments = e.arguments;
  }
  return items;
}

const weatherTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('anthropic provider: text', () => {
  it('streams text, usage and finish, and sends the exact Messages request', async () => {
    fake.enqueue({ kind: 'reply', text: 'Hello there', usage: { input: 30, output: 5, cached: 10 } });
    const events = await run(request([user('Hi')]));

    const meta = events[0] as { type: string; id?: string; model?: string };
    assert.equal(meta.type, 'metadata');
    assert.match(meta.id ?? '', /^msg_fake\d+$/);
    assert.deepEqual(events, [
      { type: 'metadata', id: meta.id, model: 'claude-test' },
      { type: 'text-delta', delta: 'Hell' },
      { type: 'text-delta', delta: 'o th' },
      { type: 'text-delta', delta: 'ere' },
      { type: 'usage', usage: { inputTokens: 30, outputTokens: 5, cachedTokens: 10 } },
      { type: 'finish', reason: 'stop', rawReason: 'end_turn' },
    ]);

    const got = fake.received[fake.received.length - 1];
    assert.equal(got.method, 'POST');
    assert.equal(got.path, '/v1/messages');
    assert.equal(got.headers['x-api-key'], 'test-key');
    assert.equal(got.headers['anthropic-version'], '2023-06-01');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers['accept'], 'text/event-stream');
    assert.equal(got.headers['anthropic-beta'], undefined);
    assert.deepEqual(got.body, {
      model: 'claude-test',
      max_tokens: 4096,
      stream: true,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    });
  });

  it('maps max_tokens and refusal stop reasons', async () => {
    fake.enqueue({ kind: 'reply', text: 'cut', finish: 'length' });
    assert.deepEqual((await run(request([user('a')]))).at(-1), { type: 'finish', reason: 'length', rawReason: 'max_tokens' });
    fake.enqueue({ kind: 'reply', refusal: 'I cannot help with that.' });
    const events = await run(request([user('b')]));
    assert.equal(joined(events, 'text-delta'), 'I cannot help with that.');
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'content_filter', rawReason: 'refusal' });
  });

  it('declares the params it honours', () => {
    assert.equal(anthropic.kind, 'anthropic');
    for (const key of ['tools', 'tool_choice', 'parallel_tool_calls', 'max_output_tokens', 'temperature', 'top_p', 'top_k', 'stop', 'reasoning', 'text', 'user']) {
      assert.ok(ANTHROPIC_PARAMS.has(key as keyof CreateParams), key);
    }
    for (const key of ['seed', 'presence_penalty', 'frequency_penalty', 'top_logprobs']) {
      assert.ok(!anthropic.supportedParams.has(key), key);
    }
  });
});

describe('anthropic provider: conversation shape', () => {
  it('moves instructions and system/developer messages, in order, to the top-level system', async () => {
    const body = await sent(
      [
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Dev rule' }] },
        user('Q1'),
        { type: 'message', role: 'system', content: [{ type: 'input_text', text: 'Sys rule' }] },
        user('Q2'),
      ],
      {},
      'Be brief.',
    );
    assert.deepEqual(body.system, [
      { type: 'text', text: 'Be brief.' },
      { type: 'text', text: 'Dev rule' },
      { type: 'text', text: 'Sys rule' },
    ]);
    assert.deepEqual(body.messages, [{ role: 'user', content: [{ type: 'text', text: 'Q1' }, { type: 'text', text: 'Q2' }] }]);
  });

  it('merges consecutive same-role turns and starts with a user message', async () => {
    const body = await sent([
      assistant('Earlier answer'),
      user('a'),
      user('b', ''),
      assistant('x'),
      assistant('y'),
      { type: 'message', role: 'assistant', content: [{ type: 'refusal', refusal: 'No.' }] },
      user('c'),
    ]);
    assert.deepEqual(body.messages, [
      { role: 'user', content: [{ type: 'text', text: LEADING_USER_TEXT }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Earlier answer' }] },
      { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'x' }, { type: 'text', text: 'y' }, { type: 'text', text: 'No.' }] },
      { role: 'user', content: [{ type: 'text', text: 'c' }] },
    ]);
  });

  it('sends images and PDFs inline or by URL', async () => {
    const body = await sent([{
      type: 'message',
      role: 'user',
      content: [
        { type: 'input_text', text: 'look' },
        { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'auto' },
        { type: 'input_image', image_url: 'https://example.com/cat.jpg' },
        { type: 'input_file', file_data: 'data:application/pdf;base64,JVBERi0xLjQ=', filename: 'a.pdf' },
        { type: 'input_file', file_data: 'JVBERi0xLjU=' },
        { type: 'input_file', file_url: 'https://example.com/doc.pdf' },
        { type: 'input_file', file_data: 'data:text/plain;base64,aGVsbG8gd29ybGQ=', filename: 'notes.txt' },
      ],
    }]);
    assert.deepEqual(body.messages[0].content, [
      { type: 'text', text: 'look' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQ=' }, title: 'a.pdf' },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjU=' } },
      { type: 'document', source: { type: 'url', url: 'https://example.com/doc.pdf' } },
      { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'hello world' }, title: 'notes.txt' },
    ]);
  });

  it('rejects file_id with 400 unsupported_parameter before calling Anthropic', async () => {
    const before = fake.received.length;
    await assert.rejects(
      anthropic.stream(request([{ type: 'message', role: 'user', content: [{ type: 'input_file', file_id: 'file-123' }] }])),
      (err: unknown) => err instanceof ApiError && err.status === 400 && err.code === 'unsupported_parameter' &&
        err.param === 'input[0].content[0].file_id',
    );
    await assert.rejects(
      anthropic.stream(request([user('x'), { type: 'message', role: 'user', content: [{ type: 'input_image', file_id: 'file-9' }] }])),
      (err: unknown) => err instanceof ApiError && err.param === 'input[1].content[0].file_id',
    );
    assert.equal(fake.received.length, before);
  });

  it('rejects item types Anthropic cannot take, or drops them when configured to', async () => {
    const input: Item[] = [user('q'), { type: 'web_search_call', id: 'ws_1', status: 'completed' }, assistant('a'), user('more')];
    await assert.rejects(anthropic.stream(request(input)),
      (err: unknown) => err instanceof ApiError && err.status === 400 && err.param === 'input[1].type' && err.code === 'unsupported_parameter');
    await run(request(input), makeProvider({ dropUnsupported: true }));
    assert.deepEqual(lastBody().messages.map((m: any) => m.role), ['user', 'assistant', 'user']);
  });

  it('keeps unparseable tool arguments verbatim under _raw_arguments', async () => {
    const body = await sent([user('q'), call('c1', 'get_weather', '{"city": Par'), output('c1', 'err'), user('ok')], { tools: [weatherTool] });
    assert.deepEqual(body.messages[1], {
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'c1', name: 'get_weather', input: { _raw_arguments: '{"city": Par' } }],
    });
  });
});

describe('anthropic provider: tool use with thinking', () => {
  it('round-trips thinking + signature + tool_use into the next turn', async () => {
    const signature = 'EqQBCkgIAhABGAIiQFakeSignature+/==';
    fake.enqueue({
      kind: 'reply',
      reasoning: 'I should check the weather.',
      reasoningSignature: signature,
      text: 'Let me check.',
      toolCalls: [{ id: 'toolu_01', name: 'get_weather', arguments: '{"city":"Paris"}' }],
      usage: { input: 50, output: 40 },
    });
    const params: Partial<CreateParams> = { tools: [weatherTool], reasoning: { effort: 'medium' } };
    const turn1 = await run(request([user('Weather in Paris?')], params));

    const kinds = turn1.map((e) => e.type);
    assert.deepEqual(kinds.slice(0, 1), ['metadata']);
    assert.equal(joined(turn1, 'reasoning-delta'), 'I should check the weather.');
    const sigAt = kinds.indexOf('reasoning-signature');
    // the signature is sealed together with the thinking text it signs (thinking-state-encoding.ts)
    const sealed = decodeThinkingState((turn1[sigAt] as { signature: string }).signature);
    assert.equal(sealed.kind === 'thinking' && sealed.signature, signature);
    assert.deepEqual(turn1[sigAt + 1], { type: 'reasoning-end' });
    assert.ok(kinds.lastIndexOf('reasoning-delta') < sigAt, 'signature after the thinking text');
    assert.equal(joined(turn1, 'text-delta'), 'Let me check.');
    assert.deepEqual(turn1.find((e) => e.type === 'tool-call-start'), { type: 'tool-call-start', callId: 'toolu_01', name: 'get_weather' });
    assert.equal(turn1.filter((e) => e.type === 'tool-call-delta').map((e) => (e as { delta: string }).delta).join(''), '{"city":"Paris"}');
    assert.deepEqual(turn1.find((e) => e.type === 'tool-call-end'), { type: 'tool-call-end', callId: 'toolu_01', arguments: '{"city":"Paris"}' });
    assert.deepEqual(turn1.slice(-2), [
      { type: 'usage', usage: { inputTokens: 50, outputTokens: 40, cachedTokens: 0 } },
      { type: 'finish', reason: 'tool_calls', rawReason: 'tool_use' },
    ]);

    const body1 = lastBody();
    assert.deepEqual(body1.thinking, { type: 'enabled', budget_tokens: 8192 });
    assert.equal(body1.max_tokens, 8192 + 4096);
    assert.deepEqual(body1.tools, [{ name: 'get_weather', description: 'Weather for a city', input_schema: weatherTool.parameters }]);
    assert.equal(body1.tool_choice, undefined);

    const outputItems = itemsFromEvents(turn1);
    assert.deepEqual(outputItems.map((i) => i.type), ['reasoning', 'message', 'function_call']);
    const state = decodeThinkingState(String((outputItems[0] as ReasoningItem).encrypted_content));
    assert.deepEqual(state, { kind: 'thinking', signature, text: (outputItems[0] as any).content?.[0]?.text ?? (outputItems[0] as any).summary?.[0]?.text });

    fake.enqueue({ kind: 'reply', text: 'It is 18C in Paris.' });
    const turn2 = await run(request([user('Weather in Paris?'), ...outputItems, output('toolu_01', '18C')], params));
    assert.equal(joined(turn2, 'text-delta'), 'It is 18C in Paris.');
    assert.deepEqual(lastBody().messages, [
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'I should check the weather.', signature },
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: '18C' }] },
    ]);
  });

  it('streams parallel tool calls and groups them (results in call order, before user text) in history', async () => {
    fake.enqueue({
      kind: 'reply',
      toolCalls: [
        { id: 'toolu_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { id: 'toolu_b', name: 'get_weather', arguments: '{"city":"Rome"}' },
      ],
      chunkSize: 5,
    });
    const events = await run(request([user('Paris and Rome?')], { tools: [weatherTool] }));
    const toolEvents = events.filter((e) => e.type.startsWith('tool-call'));
    assert.deepEqual(toolEvents, [
      { type: 'tool-call-start', callId: 'toolu_a', name: 'get_weather' },
      { type: 'tool-call-delta', callId: 'toolu_a', delta: '{"cit' },
      { type: 'tool-call-delta', callId: 'toolu_a', delta: 'y":"P' },
      { type: 'tool-call-delta', callId: 'toolu_a', delta: 'aris"' },
      { type: 'tool-call-delta', callId: 'toolu_a', delta: '}' },
      { type: 'tool-call-end', callId: 'toolu_a', arguments: '{"city":"Paris"}' },
      { type: 'tool-call-start', callId: 'toolu_b', name: 'get_weather' },
      { type: 'tool-call-delta', callId: 'toolu_b', delta: '{"cit' },
      { type: 'tool-call-delta', callId: 'toolu_b', delta: 'y":"R' },
      { type: 'tool-call-delta', callId: 'toolu_b', delta: 'ome"}' },
      { type: 'tool-call-end', callId: 'toolu_b', arguments: '{"city":"Rome"}' },
    ]);

    const body = await sent([
      user('Paris and Rome?'),
      call('toolu_a', 'get_weather', '{"city":"Paris"}'),
      call('toolu_b', 'get_weather', '{"city":"Rome"}'),
      output('toolu_b', '20C'),
      user('and hurry'),
      { type: 'function_call_output', call_id: 'toolu_a', output: [{ type: 'input_text', text: '18C' }] },
    ], { tools: [weatherTool] });
    assert.deepEqual(body.messages.slice(1), [
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_b', name: 'get_weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_a', content: [{ type: 'text', text: '18C' }] },
          { type: 'tool_result', tool_use_id: 'toolu_b', content: '20C' },
          { type: 'text', text: 'and hurry' },
        ],
      },
    ]);
  });

  it('maps namespace and custom tools both ways', async () => {
    const tools = [
      { type: 'namespace', name: 'fs', description: 'files', tools: [{ type: 'function', name: 'read', parameters: { type: 'object', properties: { path: { type: 'string' } } } }] },
      { type: 'custom', name: 'apply_patch', description: 'Apply a patch' },
    ];
    fake.enqueue({
      kind: 'reply',
      toolCalls: [
        { id: 'toolu_r', name: 'fs__read', arguments: '{"path":"a.txt"}' },
        { id: 'toolu_p', name: 'apply_patch', arguments: '{"input":"*** Begin Patch\\n"}' },
      ],
    });
    const events = await run(request([user('go')], { tools }));
    assert.deepEqual(lastBody().tools.map((t: any) => t.name), ['fs__read', 'apply_patch']);
    assert.deepEqual(lastBody().tools[1].input_schema.required, ['input']);
    const toolEvents = events.filter((e) => e.type.startsWith('tool-call') && (e as { callId: string }).callId === 'toolu_p');
    assert.deepEqual(toolEvents, [
      { type: 'tool-call-start', callId: 'toolu_p', name: 'apply_patch', kind: 'custom' },
      { type: 'tool-call-delta', callId: 'toolu_p', delta: '*** Begin Patch\n' },
      { type: 'tool-call-end', callId: 'toolu_p', arguments: '*** Begin Patch\n' },
    ]);
    assert.deepEqual(events.find((e) => e.type === 'tool-call-start'), { type: 'tool-call-start', callId: 'toolu_r', name: 'read', namespace: 'fs' });

    const body = await sent([
      user('go'),
      { type: 'function_call', call_id: 'toolu_r', name: 'read', namespace: 'fs', arguments: '{"path":"a.txt"}' },
      { type: 'custom_tool_call', call_id: 'toolu_p', name: 'apply_patch', input: '*** Begin Patch\n' },
      output('toolu_r', 'contents'),
      { type: 'custom_tool_call_output', call_id: 'toolu_p', output: 'Done' },
    ], { tools });
    assert.deepEqual(body.messages.slice(1), [
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_r', name: 'fs__read', input: { path: 'a.txt' } },
          { type: 'tool_use', id: 'toolu_p', name: 'apply_patch', input: { input: '*** Begin Patch\n' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_r', content: 'contents' },
          { type: 'tool_result', tool_use_id: 'toolu_p', content: 'Done' },
        ],
      },
    ]);
  });

  it('round-trips redacted thinking, reports thinking as summary when asked, drops unsigned reasoning', async () => {
    fake.enqueueSse([
      { event: 'message_start', data: { type: 'message_start', message: { id: 'msg_raw', type: 'message', role: 'assistant', model: 'claude-test', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 7, cache_creation_input_tokens: 3, cache_read_input_tokens: 5, output_tokens: 1 } } } },
      { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'redacted_thinking', data: 'EmwKAhgBEgyRedacted' } } },
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
      { event: 'ping', data: { type: 'ping' } },
      { event: 'content_block_start', data: { type: 'content_block_start', index: 1, content_block: { type: 'thinking', thinking: '', signature: '' } } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 1, delta: { type: 'thinking_delta', thinking: 'Hmm, ' } } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 1, delta: { type: 'thinking_delta', thinking: 'simple.' } } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 1, delta: { type: 'signature_delta', signature: 'EqSecond==' } } },
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 1 } },
      { event: 'content_block_start', data: { type: 'content_block_start', index: 2, content_block: { type: 'text', text: '' } } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: '42' } } },
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 2 } },
      { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 12 } } },
      { event: 'message_stop', data: { type: 'message_stop' } },
    ]);
    const params: Partial<CreateParams> = { reasoning: { effort: 'low', summary: 'auto' } };
    const events = await run(request([user('6*7?')], params));
    assert.deepEqual(events, [
      { type: 'metadata', id: 'msg_raw', model: 'claude-test' },
      { type: 'reasoning-signature', signature: 'redacted_thinking:EmwKAhgBEgyRedacted' },
      { type: 'reasoning-end' },
      { type: 'reasoning-summary-delta', delta: 'Hmm, ' },
      { type: 'reasoning-summary-delta', delta: 'simple.' },
      { type: 'reasoning-signature', signature: encodeThinking('EqSecond==', 'Hmm, simple.') },
      { type: 'reasoning-end' },
      { type: 'text-delta', delta: '42' },
      { type: 'usage', usage: { inputTokens: 15, outputTokens: 12, cachedTokens: 5 } },
      { type: 'finish', reason: 'stop', rawReason: 'end_turn' },
    ]);
    assert.deepEqual(lastBody().thinking, { type: 'enabled', budget_tokens: 2048 });

    const body = await sent([
      user('6*7?'),
      { type: 'reasoning', summary: [], encrypted_content: 'redacted_thinking:EmwKAhgBEgyRedacted' },
      { type: 'reasoning', summary: [{ type: 'summary_text', text: 'Hmm, simple.' }], encrypted_content: 'EqSecond==' },
      { type: 'reasoning', summary: [{ type: 'summary_text', text: 'from another vendor' }] },
      assistant('42'),
      user('thanks'),
    ], params);
    assert.deepEqual(body.messages[1], {
      role: 'assistant',
      content: [
        { type: 'redacted_thinking', data: 'EmwKAhgBEgyRedacted' },
        { type: 'thinking', thinking: 'Hmm, simple.', signature: 'EqSecond==' },
        { type: 'text', text: '42' },
      ],
    });
  });
});

describe('anthropic provider: parameters', () => {
  it('maps reasoning.effort to the thinking budget table and raises max_tokens', async () => {
    const table: [string, unknown, number][] = [
      ['none', { type: 'disabled' }, 4096],
      ['minimal', { type: 'enabled', budget_tokens: 1024 }, 1024 + 4096],
      ['low', { type: 'enabled', budget_tokens: 2048 }, 2048 + 4096],
      ['medium', { type: 'enabled', budget_tokens: 8192 }, 8192 + 4096],
      ['high', { type: 'enabled', budget_tokens: 16384 }, 16384 + 4096],
      ['xhigh', { type: 'enabled', budget_tokens: 32000 }, 32000 + 4096],
    ];
    for (const [effort, thinking, maxTokens] of table) {
      const body = await sent([user('q')], { reasoning: { effort: effort as 'low' } });
      assert.deepEqual(body.thinking, thinking, effort);
      assert.equal(body.max_tokens, maxTokens, effort);
    }
    const plain = await sent([user('q')]);
    assert.equal(plain.thinking, undefined);
  });

  it('fits the budget under a client max_output_tokens, or refuses when it cannot', async () => {
    let body = await sent([user('q')], { reasoning: { effort: 'high' }, max_output_tokens: 3000 });
    assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 2999 });
    assert.equal(body.max_tokens, 3000);
    body = await sent([user('q')], { reasoning: { effort: 'low' }, max_output_tokens: 50000 });
    assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 2048 });
    assert.equal(body.max_tokens, 50000);

    const before = fake.received.length;
    await assert.rejects(anthropic.stream(request([user('q')], { reasoning: { effort: 'minimal' }, max_output_tokens: 1024 })),
      (err: unknown) => err instanceof ApiError && err.status === 400 && err.param === 'max_output_tokens');
    assert.equal(fake.received.length, before);
  });

  it('maps tool_choice and parallel_tool_calls', async () => {
    const otherTool = { ...weatherTool, name: 'get_time', description: 'Time' };
    const cases: [Partial<CreateParams>, unknown, string[]][] = [
      [{ tool_choice: 'auto' }, { type: 'auto' }, ['get_weather', 'get_time']],
      [{ tool_choice: 'required' }, { type: 'any' }, ['get_weather', 'get_time']],
      [{ tool_choice: 'none' }, { type: 'none' }, ['get_weather', 'get_time']],
      [{ tool_choice: { type: 'function', name: 'get_time' } }, { type: 'tool', name: 'get_time' }, ['get_weather', 'get_time']],
      [{ parallel_tool_calls: false }, { type: 'auto', disable_parallel_tool_use: true }, ['get_weather', 'get_time']],
      [{ tool_choice: 'required', parallel_tool_calls: false }, { type: 'any', disable_parallel_tool_use: true }, ['get_weather', 'get_time']],
      [{ tool_choice: 'none', parallel_tool_calls: false }, { type: 'none' }, ['get_weather', 'get_time']],
      [{ parallel_tool_calls: true }, undefined, ['get_weather', 'get_time']],
      [
        { tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'get_time' }] } },
        { type: 'any' },
        ['get_time'],
      ],
    ];
    for (const [params, choice, names] of cases) {
      const body = await sent([user('q')], { tools: [weatherTool, otherTool], ...params });
      assert.deepEqual(body.tool_choice, choice, JSON.stringify(params));
      assert.deepEqual(body.tools.map((t: any) => t.name), names, JSON.stringify(params));
    }
    await assert.rejects(anthropic.stream(request([user('q')], { tools: [weatherTool], tool_choice: { type: 'function', name: 'nope' } })),
      (err: unknown) => err instanceof ApiError && err.status === 400 && err.param === 'tool_choice.name');
    await assert.rejects(anthropic.stream(request([user('q')], { tools: [{ type: 'web_search' }] })),
      (err: unknown) => err instanceof ApiError && err.status === 400 && err.param === 'tools[0].type' && err.code === 'unsupported_parameter');
  });

  it('maps stop, top_k, top_p, temperature, user and the default max_tokens', async () => {
    const body = await sent([user('q')], { stop: 'END', top_k: 5, top_p: 0.9, temperature: 0.5, user: 'user-1' });
    assert.deepEqual(body, {
      model: 'claude-test',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'q' }] }],
      stream: true,
      temperature: 0.5,
      top_p: 0.9,
      top_k: 5,
      stop_sequences: ['END'],
      metadata: { user_id: 'user-1' },
    });
    const body2 = await sent([user('q')], { stop: ['A', 'B'], max_output_tokens: 77, safety_identifier: 'sid', user: 'u' });
    assert.deepEqual(body2.stop_sequences, ['A', 'B']);
    assert.equal(body2.max_tokens, 77);
    assert.deepEqual(body2.metadata, { user_id: 'sid' });
  });

  it('maps text.format to structured outputs or a JSON instruction', async () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    let body = await sent([user('q')], { text: { format: { type: 'json_schema', name: 'thing', schema, strict: true } } });
    assert.deepEqual(body.output_config, { format: { type: 'json_schema', schema } });
    assert.equal(body.system, undefined);
    assert.equal(fake.received[fake.received.length - 1].headers['anthropic-beta'], undefined);

    body = await sent([user('q')], { text: { format: { type: 'json_object' } } }, 'Be terse.');
    assert.deepEqual(body.system, [{ type: 'text', text: 'Be terse.' }, { type: 'text', text: JSON_OBJECT_INSTRUCTION }]);
    assert.equal(body.output_config, undefined);

    await assert.rejects(anthropic.stream(request([user('q')], { text: { verbosity: 'low' } })),
      (err: unknown) => err instanceof ApiError && err.param === 'text.verbosity');
  });

  it('rejects what Anthropic would refuse, naming the parameter, without calling it', async () => {
    const before = fake.received.length;
    const cases: [Partial<CreateParams>, string][] = [
      [{ temperature: 1.5 }, 'temperature'],
      [{ temperature: 0.2, reasoning: { effort: 'low' } }, 'temperature'],
      [{ top_k: 10, reasoning: { effort: 'low' } }, 'top_k'],
      [{ top_p: 0.5, reasoning: { effort: 'low' } }, 'top_p'],
      [{ tools: [weatherTool], tool_choice: 'required', reasoning: { effort: 'low' } }, 'tool_choice'],
      [{ tools: [weatherTool], tool_choice: { type: 'function', name: 'get_weather' }, reasoning: { effort: 'high' } }, 'tool_choice'],
      [{ tool_choice: 'required' }, 'tool_choice'],
    ];
    for (const [params, param] of cases) {
      await assert.rejects(anthropic.stream(request([user('q')], params)),
        (err: unknown) => err instanceof ApiError && err.status === 400 && err.param === param, JSON.stringify(params));
    }
    assert.equal(fake.received.length, before);
    // Allowed with thinking: temperature exactly 1, top_p ≥ 0.95, tool_choice auto.
    const body = await sent([user('q')], { temperature: 1, top_p: 0.95, tools: [weatherTool], tool_choice: 'auto', reasoning: { effort: 'low' } });
    assert.equal(body.temperature, 1);
    assert.deepEqual(body.tool_choice, { type: 'auto' });
  });
});

describe('anthropic provider: errors', () => {
  it('surfaces 401 from a missing API key (and sends no x-api-key)', async () => {
    await assert.rejects(makeProvider({ apiKey: '' }).stream(request([user('q')])),
      (err: unknown) => err instanceof UpstreamError && err.upstreamStatus === 401 && err.code === 'upstream_auth_error' &&
        err.message === 'x-api-key header is required');
    assert.equal(fake.received[fake.received.length - 1].headers['x-api-key'], undefined);
  });

  it('surfaces 429 with retry-after', async () => {
    fake.enqueue({ kind: 'error', status: 429, message: 'Number of request tokens has exceeded your per-minute rate limit', headers: { 'retry-after': '7' } });
    const err = await anthropic.stream(request([user('q')])).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof UpstreamError);
    assert.equal(err.upstreamStatus, 429);
    assert.equal(err.code, 'upstream_rate_limited');
    assert.equal(err.retryAfter, '7');
    assert.equal(err.message, 'Number of request tokens has exceeded your per-minute rate limit');
    const api = err.toApiError('anthropic');
    assert.equal(api.status, 429);
    assert.equal(api.headers['retry-after'], '7');
  });

  it('surfaces 529 overloaded, before and during the stream', async () => {
    fake.enqueue({ kind: 'error', status: 529, message: 'Overloaded' });
    await assert.rejects(anthropic.stream(request([user('q')])),
      (err: unknown) => err instanceof UpstreamError && err.upstreamStatus === 529 && err.code === 'upstream_error' && err.message === 'Overloaded');

    fake.enqueueSse([
      { event: 'message_start', data: { type: 'message_start', message: { id: 'msg_o', type: 'message', role: 'assistant', model: 'claude-test', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } } } },
      { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'par' } } },
      { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } },
    ]);
    const events: ModelEvent[] = [];
    await assert.rejects(async () => { for await (const e of await anthropic.stream(request([user('q')]))) events.push(e); },
      (err: unknown) => err instanceof UpstreamError && err.upstreamStatus === 529 && err.code === 'upstream_error' && /Overloaded/.test(err.message));
    assert.deepEqual(events.map((e) => e.type), ['metadata', 'text-delta']);
  });

  it('treats a stream without message_stop as truncated, never as a finish', async () => {
    fake.enqueueSse([
      { event: 'message_start', data: { type: 'message_start', message: { id: 'msg_t', model: 'claude-test', usage: { input_tokens: 3, output_tokens: 1 } } } },
      { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'half' } } },
    ]);
    const events: ModelEvent[] = [];
    await assert.rejects(async () => { for await (const e of await anthropic.stream(request([user('q')]))) events.push(e); },
      (err: unknown) => err instanceof UpstreamError && err.code === 'upstream_bad_response');
    assert.ok(!events.some((e) => e.type === 'finish'));

    fake.enqueue({ kind: 'drop-mid-stream', text: 'partial answer' });
    await assert.rejects(async () => { for await (const e of await anthropic.stream(request([user('q')]))) void e; },
      (err: unknown) => err instanceof UpstreamError);
  });
});
