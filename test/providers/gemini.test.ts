import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, UpstreamError } from '../../src/api/errors.js';
import type { CreateParams } from '../../src/api/create-params.js';
import type { Item } from '../../src/api/items.js';
import { initialResponse } from '../../src/api/response-object.js';
import type { ProviderConfig } from '../../src/config/types.js';
import { ResponseBuilder } from '../../src/engine/response-builder.js';
import { convertJsonSchema } from '../../src/providers/gemini/convert-json-schema.js';
import { convertToGeminiContents } from '../../src/providers/gemini/convert-to-gemini-contents.js';
import { createGeminiProvider, GEMINI_PARAMS } from '../../src/providers/gemini/index.js';
import { mapGeminiStream } from '../../src/providers/gemini/map-gemini-stream.js';
import { decodeThoughtSignature, encodeThoughtSignature } from '../../src/providers/gemini/thought-signature.js';
import { flattenTools } from '../../src/providers/tool-mapping.js';
import type { ModelEvent, Provider } from '../../src/providers/types.js';
import type { SseMessage } from '../../src/providers/sse-messages.js';
import { startFakeGemini } from '../fakes/fake-gemini.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { testProviderConfig } from '../helpers/provider-config.js';

let fake: FakeUpstream;
before(async () => { fake = await startFakeGemini(); });
after(async () => { await fake.close(); });

function config(over: Partial<ProviderConfig> = {}): ProviderConfig {
  return testProviderConfig('gemini', fake.baseUrl, { name: 'google', ...over });
}

const user = (text: string): Item => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });
const assistant = (text: string): Item => ({
  type: 'message', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }],
});

interface RunOptions { params?: Partial<CreateParams>; instructions?: string | null; model?: string; provider?: Provider }

async function run(input: Item[], opts: RunOptions = {}) {
  const provider = opts.provider ?? createGeminiProvider(config());
  const model = opts.model ?? 'gemini-2.5-flash';
  const iterable = await provider.stream({
    model,
    instructions: opts.instructions ?? null,
    input,
    params: { model: `google/${model}`, ...opts.params },
    signal: new AbortController().signal,
  });
  const events: ModelEvent[] = [];
  for await (const e of iterable) events.push(e);
  return events;
}

const last = () => fake.received.at(-1)!;
const textOf = (events: ModelEvent[]) => events.flatMap((e) => (e.type === 'text-delta' ? [e.delta] : [])).join('');
const withoutMetadata = (events: ModelEvent[]) => events.filter((e) => e.type !== 'metadata');

/** Turns one model turn's events into output items with the real ResponseBuilder (as the engine does). */
function itemsOf(events: ModelEvent[]): Item[] {
  const builder = new ResponseBuilder(initialResponse('resp_test', 'google/m', { model: 'google/m' }, 1), () => {}, {
    includeEncrypted: true, maxToolCalls: null,
  });
  builder.start();
  for (const e of events) builder.apply(e);
  return builder.finish().output;
}

async function* sse(chunks: unknown[]): AsyncGenerator<SseMessage> {
  for (const c of chunks) yield { event: undefined, data: JSON.stringify(c) };
}

async function mapChunks(chunks: unknown[], opts: { summary?: boolean; single?: boolean } = {}) {
  const events: ModelEvent[] = [];
  const tools = flattenTools([], false, 'google');
  for await (const e of mapGeminiStream(sse(chunks), { tools, thoughtsAsSummary: opts.summary ?? false, singleToolCall: opts.single ?? false })) {
    events.push(e);
  }
  return events;
}

const chunk = (parts: unknown[], extra: Record<string, unknown> = {}) => ({
  candidates: [{ content: { role: 'model', parts }, index: 0, ...(extra.finishReason ? { finishReason: extra.finishReason } : {}) }],
  ...(extra.usageMetadata ? { usageMetadata: extra.usageMetadata } : {}),
});

const WEATHER_TOOL = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
} as const;

describe('gemini provider against a fake Gemini API', () => {
  test('plain text: events, exact request body, path with model and alt=sse, x-goog-api-key', async () => {
    fake.enqueue({ kind: 'reply', text: 'Hello there!', usage: { input: 11, output: 3 } });
    const events = await run([user('hi')]);
    const meta = events[0] as Extract<ModelEvent, { type: 'metadata' }>;
    assert.equal(meta.type, 'metadata');
    assert.equal(meta.model, 'gemini-2.5-flash');
    assert.match(meta.id ?? '', /^fakeResp\d+$/);
    assert.deepEqual(events.slice(1), [
      { type: 'text-delta', delta: 'Hell' },
      { type: 'text-delta', delta: 'o th' },
      { type: 'text-delta', delta: 'ere!' },
      { type: 'usage', usage: { inputTokens: 11, outputTokens: 3 } },
      { type: 'finish', reason: 'stop' },
    ]);
    const req = last();
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    assert.equal(req.headers['x-goog-api-key'], 'test-key');
    assert.equal(req.headers.authorization, undefined);
    assert.deepEqual(req.body, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
  });

  test('the echo default answers the last user text; supportedParams is GEMINI_PARAMS', async () => {
    const provider = createGeminiProvider(config());
    assert.equal(provider.kind, 'gemini');
    assert.equal(provider.supportedParams, GEMINI_PARAMS);
    assert.ok(!GEMINI_PARAMS.has('top_logprobs'));
    assert.equal(textOf(await run([user('ping')], { provider })), 'echo: ping');
  });

  test('instructions and system/developer messages become systemInstruction, in order', async () => {
    await run(
      [
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Use metric units.' }] },
        user('hi'),
        { type: 'message', role: 'system', content: [{ type: 'input_text', text: 'Never swear.' }] },
        user('again'),
      ],
      { instructions: 'Be brief.' },
    );
    assert.deepEqual(last().body, {
      systemInstruction: { parts: [{ text: 'Be brief.' }, { text: 'Use metric units.' }, { text: 'Never swear.' }] },
      contents: [{ role: 'user', parts: [{ text: 'hi' }, { text: 'again' }] }],
    });
  });

  test('roles: assistant → model, consecutive turns of one role merged, refusals sent as text', async () => {
    await run([
      user('a'),
      user('b'),
      assistant('x'),
      { type: 'message', role: 'assistant', content: [{ type: 'refusal', refusal: 'no' }] },
      user('c'),
    ]);
    assert.deepEqual(last().body.contents, [
      { role: 'user', parts: [{ text: 'a' }, { text: 'b' }] },
      { role: 'model', parts: [{ text: 'x' }, { text: 'no' }] },
      { role: 'user', parts: [{ text: 'c' }] },
    ]);
  });

  test('images and files: data URLs → inlineData, http(s) URLs → fileData with a guessed mime type', async () => {
    await run([{
      type: 'message',
      role: 'user',
      content: [
        { type: 'input_text', text: 'Look:' },
        { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0K', detail: 'high' },
        { type: 'input_image', image_url: 'https://example.com/cat.webp?size=2' },
        { type: 'input_image', image_url: 'https://example.com/photo' },
        { type: 'input_file', file_data: 'data:application/pdf;base64,JVBERi0x', filename: 'doc.pdf' },
        { type: 'input_file', file_data: 'aGVsbG8=', filename: 'notes.txt' },
        { type: 'input_file', file_url: 'https://example.com/report.pdf' },
      ],
    }]);
    assert.deepEqual(last().body.contents[0].parts, [
      { text: 'Look:' },
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0K' } },
      { fileData: { fileUri: 'https://example.com/cat.webp?size=2', mimeType: 'image/webp' } },
      { fileData: { fileUri: 'https://example.com/photo', mimeType: 'image/jpeg' } },
      { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0x' } },
      { inlineData: { mimeType: 'text/plain', data: 'aGVsbG8=' } },
      { fileData: { fileUri: 'https://example.com/report.pdf', mimeType: 'application/pdf' } },
    ]);
  });

  test('file_id inputs are a 400 unsupported_parameter and nothing is sent', async () => {
    const before = fake.received.length;
    await assert.rejects(
      run([{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'x' }, { type: 'input_file', file_id: 'file-abc' }] }]),
      (err: unknown) => {
        assert.ok(err instanceof ApiError);
        assert.equal(err.status, 400);
        assert.equal(err.code, 'unsupported_parameter');
        assert.equal(err.param, 'input[0].content[1].file_id');
        return true;
      },
    );
    assert.equal(fake.received.length, before);
  });

  test('multi-turn tool use with thinking: the thoughtSignature comes back on the identical functionCall part', async () => {
    const model = 'gemini-3-pro-preview';
    const params: Partial<CreateParams> = { tools: [WEATHER_TOOL], reasoning: { effort: 'high', summary: 'auto' } };
    fake.enqueue({
      kind: 'reply',
      reasoning: 'Need the weather.',
      reasoningSignature: 'c2lnbmF0dXJlLW9uZQ==',
      toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }],
      usage: { input: 20, output: 15, reasoning: 5 },
    });
    const turn1 = await run([user('Weather in Paris?')], { model, params });

    // Request 1: tools converted, thinking config for a Gemini 3 model.
    assert.equal(last().path, '/v1beta/models/gemini-3-pro-preview:streamGenerateContent?alt=sse');
    assert.deepEqual(last().body, {
      contents: [{ role: 'user', parts: [{ text: 'Weather in Paris?' }] }],
      tools: [{
        functionDeclarations: [{
          name: 'get_weather',
          description: 'Weather for a city',
          parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] },
        }],
      }],
      generationConfig: { thinkingConfig: { includeThoughts: true, thinkingLevel: 'high' } },
    });

    // Events: thought summary, then the signature in the same reasoning item, then the call.
    const call = turn1.find((e) => e.type === 'tool-call-start') as Extract<ModelEvent, { type: 'tool-call-start' }>;
    assert.match(call.callId, /^call_gemini_[0-9a-f]{24}$/);
    assert.deepEqual(withoutMetadata(turn1), [
      { type: 'reasoning-summary-delta', delta: 'Need' },
      { type: 'reasoning-summary-delta', delta: ' the' },
      { type: 'reasoning-summary-delta', delta: ' wea' },
      { type: 'reasoning-summary-delta', delta: 'ther' },
      { type: 'reasoning-summary-delta', delta: '.' },
      { type: 'reasoning-signature', signature: encodeThoughtSignature({ part: 'functionCall', sig: 'c2lnbmF0dXJlLW9uZQ==' }) },
      { type: 'reasoning-end' },
      { type: 'tool-call-start', callId: call.callId, name: 'get_weather' },
      { type: 'tool-call-end', callId: call.callId, arguments: '{"city":"Paris"}' },
      { type: 'usage', usage: { inputTokens: 20, outputTokens: 15, reasoningTokens: 5 } },
      { type: 'finish', reason: 'tool_calls' },
    ]);

    // The items the engine stores: one reasoning item (summary + encrypted_content), then the call.
    const output = itemsOf(turn1);
    assert.deepEqual(output.map((i) => i.type), ['reasoning', 'function_call']);
    assert.deepEqual((output[0] as any).summary, [{ type: 'summary_text', text: 'Need the weather.' }]);
    assert.deepEqual(decodeThoughtSignature((output[0] as any).encrypted_content), { part: 'functionCall', sig: 'c2lnbmF0dXJlLW9uZQ==' });

    // Turn 2: history = user, reasoning, function_call, function_call_output.
    fake.enqueue({ kind: 'reply', text: 'It is 18°C.', reasoningSignature: 'c2lnLXR3bw==' });
    const history: Item[] = [
      user('Weather in Paris?'),
      ...output,
      { type: 'function_call_output', call_id: call.callId, output: '{"temp_c":18}' },
    ];
    const turn2 = await run(history, { model, params });
    assert.deepEqual(last().body.contents, [
      { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'c2lnbmF0dXJlLW9uZQ==' }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp_c: 18 } } }] },
    ]);
    // Gemini 3 signs the last part of a text answer: the signature follows the message it belongs to.
    assert.deepEqual(withoutMetadata(turn2).slice(-5).filter((e) => e.type !== 'usage'), [
      { type: 'text-delta', delta: '°C.' },
      { type: 'reasoning-signature', signature: encodeThoughtSignature({ part: 'text-prev', sig: 'c2lnLXR3bw==' }) },
      { type: 'reasoning-end' },
      { type: 'finish', reason: 'stop' },
    ]);
    assert.equal(textOf(turn2), 'It is 18°C.');
    const output2 = itemsOf(turn2);
    assert.deepEqual(output2.map((i) => i.type), ['message', 'reasoning']);

    // Turn 3: the text answer's signature rides on that text part again.
    await run([...history, ...output2, user('Thanks!')], { model, params });
    assert.deepEqual(last().body.contents.slice(3), [
      { role: 'model', parts: [{ text: 'It is 18°C.', thoughtSignature: 'c2lnLXR3bw==' }] },
      { role: 'user', parts: [{ text: 'Thanks!' }] },
    ]);
  });

  test('parallel calls with Gemini ids: signature on the first call only, ids echoed on call and response', async () => {
    fake.enqueue({
      kind: 'reply',
      reasoningSignature: 'cGFyYWxsZWw=',
      toolCalls: [
        { name: 'get_weather', arguments: '{"city":"Paris"}', id: 'fc-1' },
        { name: 'get_weather', arguments: '{"city":"Rome"}', id: 'fc-2' },
      ],
    });
    const events = await run([user('Paris and Rome?')], { params: { tools: [WEATHER_TOOL] } });
    assert.deepEqual(withoutMetadata(events).slice(0, 6), [
      { type: 'reasoning-signature', signature: encodeThoughtSignature({ part: 'functionCall', sig: 'cGFyYWxsZWw=' }) },
      { type: 'reasoning-end' },
      { type: 'tool-call-start', callId: 'fc-1', name: 'get_weather' },
      { type: 'tool-call-end', callId: 'fc-1', arguments: '{"city":"Paris"}' },
      { type: 'tool-call-start', callId: 'fc-2', name: 'get_weather' },
      { type: 'tool-call-end', callId: 'fc-2', arguments: '{"city":"Rome"}' },
    ]);
    const output = itemsOf(events);
    await run([
      user('Paris and Rome?'),
      ...output,
      { type: 'function_call_output', call_id: 'fc-1', output: 'sunny' },
      { type: 'function_call_output', call_id: 'fc-2', output: [{ type: 'input_text', text: '[1,2]' }] },
    ], { params: { tools: [WEATHER_TOOL] } });
    assert.deepEqual(last().body.contents.slice(1), [
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'get_weather', args: { city: 'Paris' }, id: 'fc-1' }, thoughtSignature: 'cGFyYWxsZWw=' },
          { functionCall: { name: 'get_weather', args: { city: 'Rome' }, id: 'fc-2' } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { output: 'sunny' }, id: 'fc-1' } },
          { functionResponse: { name: 'get_weather', response: { output: '[1,2]' }, id: 'fc-2' } },
        ],
      },
    ]);
  });

  test('parallel_tool_calls: false shows only the first call', async () => {
    fake.enqueue({
      kind: 'reply',
      toolCalls: [{ name: 'get_weather', arguments: '{"city":"A"}', id: 'a' }, { name: 'get_weather', arguments: '{"city":"B"}', id: 'b' }],
    });
    const events = await run([user('x')], { params: { tools: [WEATHER_TOOL], parallel_tool_calls: false } });
    assert.deepEqual(events.filter((e) => e.type === 'tool-call-start').map((e) => (e as any).callId), ['a']);
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'tool_calls' });
  });

  test('history from another model: unsigned calls get the skip sentinel on Gemini 3 only; foreign reasoning is not sent', async () => {
    const history: Item[] = [
      user('Weather?'),
      { type: 'reasoning', summary: [{ type: 'summary_text', text: 'openai thoughts' }], encrypted_content: 'gAAAAABforeign' },
      { type: 'function_call', call_id: 'call_abc', name: 'get_weather', arguments: '{"city":"Oslo"}' },
      { type: 'function_call_output', call_id: 'call_abc', output: 'cold' },
    ];
    await run(history, { model: 'gemini-3-flash-preview', params: { tools: [WEATHER_TOOL] } });
    assert.deepEqual(last().body.contents[1], {
      role: 'model',
      parts: [{ functionCall: { name: 'get_weather', args: { city: 'Oslo' }, id: 'call_abc' }, thoughtSignature: 'skip_thought_signature_validator' }],
    });
    await run(history, { model: 'gemini-2.5-flash', params: { tools: [WEATHER_TOOL] } });
    assert.deepEqual(last().body.contents[1], {
      role: 'model',
      parts: [{ functionCall: { name: 'get_weather', args: { city: 'Oslo' }, id: 'call_abc' } }],
    });
  });

  test('namespace and custom tools: flattened on the way out, mapped back on calls and history', async () => {
    const tools = [
      { type: 'custom', name: 'apply_patch', description: 'Apply a patch' },
      { type: 'namespace', name: 'fs', tools: [{ type: 'function', name: 'read', parameters: { type: 'object', properties: {} } }] },
    ];
    fake.enqueue({
      kind: 'reply',
      toolCalls: [{ name: 'apply_patch', arguments: '{"input":"*** Begin Patch"}' }, { name: 'fs__read', arguments: '{}' }],
    });
    const events = await run([user('go')], { params: { tools } });
    assert.deepEqual(last().body.tools[0].functionDeclarations, [
      {
        name: 'apply_patch',
        description: 'Apply a patch',
        parameters: {
          type: 'OBJECT',
          properties: { input: { type: 'STRING', description: 'The raw input for this tool, in the format its description requires.' } },
          required: ['input'],
        },
      },
      { name: 'fs__read' },
    ]);
    const starts = events.filter((e) => e.type === 'tool-call-start') as Extract<ModelEvent, { type: 'tool-call-start' }>[];
    assert.deepEqual(starts.map(({ callId: _c, ...rest }) => rest), [
      { type: 'tool-call-start', name: 'apply_patch', kind: 'custom' },
      { type: 'tool-call-start', name: 'read', namespace: 'fs' },
    ]);
    const ends = events.filter((e) => e.type === 'tool-call-end').map((e) => (e as any).arguments);
    assert.deepEqual(ends, ['*** Begin Patch', '{}']);

    const output = itemsOf(events);
    const custom = output.find((i) => i.type === 'custom_tool_call') as any;
    const fn = output.find((i) => i.type === 'function_call') as any;
    await run([
      user('go'),
      ...output,
      { type: 'custom_tool_call_output', call_id: custom.call_id, output: 'Done!' },
      { type: 'function_call_output', call_id: fn.call_id, output: '{"content":"hi"}' },
    ], { params: { tools } });
    const contents = last().body.contents;
    assert.deepEqual(contents[1].parts.map((p: any) => ({ ...p, thoughtSignature: undefined })), [
      { functionCall: { name: 'apply_patch', args: { input: '*** Begin Patch' } }, thoughtSignature: undefined },
      { functionCall: { name: 'fs__read', args: {} }, thoughtSignature: undefined },
    ]);
    const signed = events.find((e) => e.type === 'reasoning-signature') as Extract<ModelEvent, { type: 'reasoning-signature' }>;
    assert.equal(contents[1].parts[0].thoughtSignature, decodeThoughtSignature(signed.signature)!.sig);
    assert.deepEqual(contents[2], {
      role: 'user',
      parts: [
        { functionResponse: { name: 'apply_patch', response: { output: 'Done!' } } },
        { functionResponse: { name: 'fs__read', response: { content: 'hi' } } },
      ],
    });
  });

  test('a function_call_output without its call is a 400 naming the call_id', async () => {
    await assert.rejects(run([user('x'), { type: 'function_call_output', call_id: 'nope', output: 'y' }]), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 400);
      assert.equal(err.param, 'input[1].call_id');
      return true;
    });
  });

  test('JSON Schema → Gemini Schema: $ref/$defs inlined, recursion cut, nullable, const, formats, allOf', async () => {
    const schema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: {
        owner: { $ref: '#/$defs/Person', description: 'Who owns it' },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1 },
        status: { type: ['string', 'null'], enum: ['open', 'closed', null] },
        priority: { anyOf: [{ type: 'integer', minimum: 1, maximum: 5 }, { type: 'null' }], description: 'P1..P5' },
        kind: { const: 'ticket' },
        created: { type: 'string', format: 'date-time' },
        email: { type: 'string', format: 'email', description: 'Contact.' },
        parent: { $ref: '#/$defs/Node' },
        meta: { type: 'object', additionalProperties: { type: 'string' } },
        level: { enum: [1, 2, 3] },
        either: { type: ['string', 'number'] },
        merged: { allOf: [{ $ref: '#/definitions/Base' }, { properties: { extra: { type: 'boolean' } }, required: ['extra'] }] },
      },
      required: ['owner', 'status', 'missing'],
      additionalProperties: false,
      $defs: {
        Person: {
          type: 'object',
          description: 'A person',
          properties: { name: { type: 'string' }, manager: { anyOf: [{ $ref: '#/$defs/Person' }, { type: 'null' }] } },
          required: ['name'],
        },
        Node: { type: 'object', properties: { child: { $ref: '#/$defs/Node' } } },
      },
      definitions: { Base: { type: 'object', properties: { id: { type: 'integer', format: 'int64' } }, required: ['id'] } },
    };
    const expected = {
      type: 'OBJECT',
      properties: {
        owner: {
          type: 'OBJECT',
          description: 'Who owns it',
          properties: {
            name: { type: 'STRING' },
            manager: { type: 'OBJECT', description: 'Recursive structure (same schema as #/$defs/Person).', nullable: true },
          },
          required: ['name'],
        },
        tags: { type: 'ARRAY', items: { type: 'STRING' }, minItems: 1 },
        status: { type: 'STRING', nullable: true, enum: ['open', 'closed'] },
        priority: { type: 'INTEGER', minimum: 1, maximum: 5, nullable: true, description: 'P1..P5' },
        kind: { type: 'STRING', enum: ['ticket'] },
        created: { type: 'STRING', format: 'date-time' },
        email: { type: 'STRING', description: 'Contact. Format: email.' },
        parent: {
          type: 'OBJECT',
          properties: { child: { type: 'OBJECT', description: 'Recursive structure (same schema as #/$defs/Node).' } },
        },
        meta: { type: 'OBJECT' },
        level: { type: 'INTEGER', description: 'Allowed values: 1, 2, 3.' },
        either: { anyOf: [{ type: 'STRING' }, { type: 'NUMBER' }] },
        merged: {
          type: 'OBJECT',
          properties: { id: { type: 'INTEGER', format: 'int64' }, extra: { type: 'BOOLEAN' } },
          required: ['id', 'extra'],
        },
      },
      required: ['owner', 'status'],
    };
    assert.deepEqual(convertJsonSchema(schema), expected);

    // And it is what the upstream receives as the function's parameters.
    await run([user('x')], { params: { tools: [{ type: 'function', name: 'file_ticket', parameters: schema }] } });
    assert.deepEqual(last().body.tools, [{ functionDeclarations: [{ name: 'file_ticket', parameters: expected }] }]);
  });

  test('generationConfig: sampling, stop, max tokens, penalties, seed and json_schema output', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
    await run([user('x')], {
      params: {
        temperature: 0.3, top_p: 0.9, top_k: 40, seed: 7, stop: 'END', max_output_tokens: 256,
        presence_penalty: 0.1, frequency_penalty: 0.2,
        text: { format: { type: 'json_schema', name: 'answer', schema, strict: true } },
      },
    });
    assert.deepEqual(last().body.generationConfig, {
      temperature: 0.3, topP: 0.9, topK: 40, seed: 7, stopSequences: ['END'], maxOutputTokens: 256,
      presencePenalty: 0.1, frequencyPenalty: 0.2,
      responseMimeType: 'application/json', responseJsonSchema: schema,
    });

    await run([user('x')], { params: { stop: ['a', 'b'], text: { format: { type: 'json_object' } } } });
    assert.deepEqual(last().body.generationConfig, { stopSequences: ['a', 'b'], responseMimeType: 'application/json' });
  });

  test('text.verbosity is a 400 unless the provider drops unsupported settings', async () => {
    await assert.rejects(run([user('x')], { params: { text: { verbosity: 'low' } } }), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.param, 'text.verbosity');
      assert.equal(err.code, 'unsupported_parameter');
      return true;
    });
    await run([user('x')], { params: { text: { verbosity: 'low' } }, provider: createGeminiProvider(config({ dropUnsupported: true })) });
    assert.equal(last().body.generationConfig, undefined);
  });

  test('tool_choice → functionCallingConfig', async () => {
    const tools = [WEATHER_TOOL, { type: 'function', name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } } } }];
    const cases: [CreateParams['tool_choice'], unknown, string[]][] = [
      ['auto', undefined, ['get_weather', 'get_time']],
      ['required', { functionCallingConfig: { mode: 'ANY' } }, ['get_weather', 'get_time']],
      ['none', { functionCallingConfig: { mode: 'NONE' } }, ['get_weather', 'get_time']],
      [{ type: 'function', name: 'get_time' }, { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] } }, ['get_weather', 'get_time']],
      [{ type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'get_time' }] }, undefined, ['get_time']],
      [
        { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'get_weather' }] },
        { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } },
        ['get_weather', 'get_time'],
      ],
    ];
    for (const [choice, toolConfig, names] of cases) {
      await run([user('x')], { params: { tools, tool_choice: choice } });
      assert.deepEqual(last().body.toolConfig, toolConfig, JSON.stringify(choice));
      assert.deepEqual(last().body.tools[0].functionDeclarations.map((d: any) => d.name), names, JSON.stringify(choice));
    }
    await assert.rejects(run([user('x')], { params: { tools, tool_choice: { type: 'web_search_preview' } } }), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.param, 'tool_choice.type');
      return true;
    });
  });

  test('reasoning.effort → thinkingConfig: thinkingBudget for 2.x, thinkingLevel for 3.x', async () => {
    const table: [string, Record<string, unknown>, Record<string, unknown>][] = [
      ['none', { thinkingBudget: 0 }, { thinkingLevel: 'minimal' }],
      ['minimal', { includeThoughts: true, thinkingBudget: 512 }, { includeThoughts: true, thinkingLevel: 'minimal' }],
      ['low', { includeThoughts: true, thinkingBudget: 1024 }, { includeThoughts: true, thinkingLevel: 'low' }],
      ['medium', { includeThoughts: true, thinkingBudget: 8192 }, { includeThoughts: true, thinkingLevel: 'medium' }],
      ['high', { includeThoughts: true, thinkingBudget: 24576 }, { includeThoughts: true, thinkingLevel: 'high' }],
      ['xhigh', { includeThoughts: true, thinkingBudget: 32768 }, { includeThoughts: true, thinkingLevel: 'high' }],
    ];
    for (const [effort, v2, v3] of table) {
      const params = { reasoning: { effort } } as Partial<CreateParams>;
      await run([user('x')], { model: 'gemini-2.5-flash', params });
      assert.deepEqual(last().body.generationConfig, { thinkingConfig: v2 }, effort);
      await run([user('x')], { model: 'gemini-3-flash-preview', params });
      assert.deepEqual(last().body.generationConfig, { thinkingConfig: v3 }, effort);
    }
    // A model id whose generation cannot be read gets a budget; a summary alone only asks for thoughts.
    await run([user('x')], { model: 'gemini-flash-latest', params: { reasoning_effort: 'low' } });
    assert.deepEqual(last().body.generationConfig, { thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 } });
    await run([user('x')], { params: { reasoning: { summary: 'detailed' } } });
    assert.deepEqual(last().body.generationConfig, { thinkingConfig: { includeThoughts: true } });
  });

  test('thoughts without a summary request stream as raw reasoning text', async () => {
    fake.enqueue({ kind: 'reply', reasoning: 'hmm', text: 'ok' });
    const events = await run([user('x')], { params: { reasoning: { effort: 'low' } } });
    assert.deepEqual(withoutMetadata(events).slice(0, 3), [
      { type: 'reasoning-delta', delta: 'hmm' },
      { type: 'reasoning-end' },
      { type: 'text-delta', delta: 'ok' },
    ]);
  });

  test('finish reasons and usage from the fake', async () => {
    fake.enqueue({ kind: 'reply', text: 'cut', finish: 'length', usage: { input: 5, output: 100, cached: 3, reasoning: 40 } });
    const cut = await run([user('x')]);
    assert.deepEqual(cut.slice(-2), [
      { type: 'usage', usage: { inputTokens: 5, outputTokens: 100, cachedTokens: 3, reasoningTokens: 40 } },
      { type: 'finish', reason: 'length' },
    ]);
    fake.enqueue({ kind: 'reply', text: '', finish: 'content_filter' });
    assert.deepEqual((await run([user('x')])).at(-1), { type: 'finish', reason: 'content_filter', rawReason: 'SAFETY' });
  });

  test('errors: 400, 429 (retry-after), 500, missing key → UpstreamError with Google\'s message', async () => {
    fake.enqueue({ kind: 'error', status: 400, message: 'Invalid JSON payload received. Unknown name "foo".' });
    await assert.rejects(run([user('x')]), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.upstreamStatus, 400);
      assert.equal(err.code, 'upstream_invalid_request');
      assert.equal(err.message, 'Invalid JSON payload received. Unknown name "foo".');
      return true;
    });
    fake.enqueue({ kind: 'error', status: 429, message: 'Resource has been exhausted (e.g. check quota).', headers: { 'retry-after': '7' } });
    await assert.rejects(run([user('x')]), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.code, 'upstream_rate_limited');
      assert.equal(err.retryAfter, '7');
      assert.equal(err.toApiError('google').status, 429);
      return true;
    });
    // Google's own 429 carries the wait in the body (RetryInfo), not in a header
    fake.enqueue({ kind: 'error', status: 429, body: { error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED', details: [
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '36.5s' },
    ] } } });
    await assert.rejects(run([user('x')]), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.retryAfter, '37');
      assert.equal(err.message, 'Quota exceeded');
      return true;
    });
    fake.enqueue({ kind: 'error', status: 500, message: 'An internal error has occurred.' });
    await assert.rejects(run([user('x')]), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.code, 'upstream_error');
      assert.equal(err.toApiError('google').status, 502);
      return true;
    });
    await assert.rejects(run([user('x')], { provider: createGeminiProvider(config({ apiKey: '' })) }), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.upstreamStatus, 403);
      assert.equal(err.code, 'upstream_auth_error');
      return true;
    });
    assert.equal(last().headers['x-goog-api-key'], undefined);
  });

  test('a stream cut mid-way and a hung upstream fail with UpstreamError', async () => {
    fake.enqueue({ kind: 'drop-mid-stream', text: 'partial answer' });
    await assert.rejects(run([user('x')]), (err: unknown) => err instanceof UpstreamError);
    fake.enqueue({ kind: 'hang' });
    const fast = createGeminiProvider(config({ timeouts: { connect: 500, firstByte: 200, idle: 200 } }));
    await assert.rejects(run([user('x')], { provider: fast }), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.code, 'upstream_timeout');
      return true;
    });
  });

  test('the fake also serves generateContent, countTokens and key= auth', async () => {
    fake.enqueue({ kind: 'reply', reasoning: 'r', text: 'whole', usage: { input: 2, output: 3, reasoning: 1 } });
    const res = await fetch(`${fake.baseUrl}/models/gemini-2.5-flash:generateContent?key=k`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'x' }] }] }),
    });
    assert.equal(res.status, 200);
    const body = await res.json() as any;
    assert.deepEqual(body.candidates[0].content, { role: 'model', parts: [{ text: 'r', thought: true }, { text: 'whole' }] });
    assert.equal(body.candidates[0].finishReason, 'STOP');
    assert.deepEqual(body.usageMetadata.thoughtsTokenCount, 1);
    const count = await fetch(`${fake.baseUrl}/models/gemini-2.5-flash:countTokens`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hello world' }] }] }),
    });
    assert.equal(typeof ((await count.json()) as any).totalTokens, 'number');
    assert.equal(last().path, '/v1beta/models/gemini-2.5-flash:countTokens');
  });
});

describe('gemini stream mapping edge cases', () => {
  test('Gemini 2.5 style: signature on the first text part after thoughts joins the thought reasoning item', async () => {
    const events = await mapChunks([
      chunk([{ text: 'Thinking', thought: true }]),
      chunk([{ text: 'Hi', thoughtSignature: 'QUJD' }]),
      chunk([{ text: ' there' }], { finishReason: 'STOP', usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 2, thoughtsTokenCount: 1 } }),
    ]);
    const sig = encodeThoughtSignature({ part: 'text-next', sig: 'QUJD' });
    assert.deepEqual(events, [
      { type: 'reasoning-delta', delta: 'Thinking' },
      { type: 'reasoning-signature', signature: sig },
      { type: 'reasoning-end' },
      { type: 'text-delta', delta: 'Hi' },
      { type: 'text-delta', delta: ' there' },
      { type: 'usage', usage: { inputTokens: 4, outputTokens: 3, reasoningTokens: 1 } },
      { type: 'finish', reason: 'stop' },
    ]);
    // Round trip: the signature goes back on the text part, the thought text is not replayed.
    const items = itemsOf(events);
    assert.deepEqual(items.map((i) => i.type), ['reasoning', 'message']);
    assert.deepEqual(convertToGeminiContents(null, [user('q'), ...items], 'gemini-2.5-flash').contents[1], {
      role: 'model', parts: [{ text: 'Hi there', thoughtSignature: 'QUJD' }],
    });
  });

  test('a signed thought part is replayed as a thought part; a lone signature as an empty text part', async () => {
    const events = await mapChunks([
      chunk([{ text: 'Plan', thought: true }]),
      chunk([{ text: ' A', thought: true, thoughtSignature: 'VEhP' }]),
      chunk([{ text: 'Answer' }]),
      chunk([{ functionCall: { name: 'f', args: { a: 1 } } }]),
      chunk([{ text: '', thoughtSignature: 'RU5E' }], { finishReason: 'STOP' }),
    ], { summary: true });
    const items = itemsOf(events);
    assert.deepEqual(items.map((i) => i.type), ['reasoning', 'message', 'function_call', 'reasoning']);
    assert.deepEqual(convertToGeminiContents(null, [user('q'), ...items], 'gemini-2.5-flash').contents[1], {
      role: 'model',
      parts: [
        { text: 'Plan A', thought: true, thoughtSignature: 'VEhP' },
        { text: 'Answer' },
        { functionCall: { name: 'f', args: { a: 1 } } },
        { text: '', thoughtSignature: 'RU5E' },
      ],
    });
  });

  test('finish reasons: MALFORMED_FUNCTION_CALL → other, prompt blocked → content_filter', async () => {
    assert.deepEqual((await mapChunks([chunk([], { finishReason: 'MALFORMED_FUNCTION_CALL' })])).at(-1), {
      type: 'finish', reason: 'other', rawReason: 'MALFORMED_FUNCTION_CALL',
    });
    assert.deepEqual((await mapChunks([chunk([], { finishReason: 'RECITATION' })])).at(-1), {
      type: 'finish', reason: 'content_filter', rawReason: 'RECITATION',
    });
    const blocked = await mapChunks([{ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 9 } }]);
    assert.deepEqual(blocked, [
      { type: 'usage', usage: { inputTokens: 9, outputTokens: 0 } },
      { type: 'finish', reason: 'content_filter', rawReason: 'PROHIBITED_CONTENT' },
    ]);
  });

  test('an error chunk, a malformed chunk or a stream without finishReason throw UpstreamError', async () => {
    await assert.rejects(mapChunks([chunk([{ text: 'a' }]), { error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } }]), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.upstreamStatus, 503);
      assert.match(err.message, /overloaded/);
      return true;
    });
    const bad = async function* (): AsyncGenerator<SseMessage> { yield { event: undefined, data: '{nope' }; };
    const tools = flattenTools([], false, 'google');
    await assert.rejects(async () => {
      for await (const _ of mapGeminiStream(bad(), { tools, thoughtsAsSummary: false, singleToolCall: false })) { /* drain */ }
    }, (err: unknown) => err instanceof UpstreamError && err.code === 'upstream_bad_response');
    await assert.rejects(mapChunks([chunk([{ text: 'a' }])]), (err: unknown) => err instanceof UpstreamError && err.code === 'upstream_bad_response');
  });
});
