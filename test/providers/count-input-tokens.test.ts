/**
 * `Provider.countInputTokens` for every kind, against the fake upstreams over real HTTP: what each count
 * endpoint received (the create request's input, minus every generation-only field) and the number returned.
 * The openai-chat kind counts locally; its expectations are literal numbers worked out by hand (see its block).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, UpstreamError } from '../../src/api/errors.js';
import type { CreateParams, Tool } from '../../src/api/create-params.js';
import type { Item } from '../../src/api/items.js';
import { testProviderConfig } from '../helpers/provider-config.js';
import { createAnthropicProvider } from '../../src/providers/anthropic/index.js';
import { createGeminiProvider } from '../../src/providers/gemini/index.js';
import { createOpenAIChatProvider } from '../../src/providers/openai-chat/index.js';
import { createOpenAIResponsesProvider } from '../../src/providers/openai-responses/index.js';
import type { ModelRequest, Provider } from '../../src/providers/types.js';
import { fakeCountTokens as anthropicCount, startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import { fakeCountTokens as geminiCount, startFakeGemini } from '../fakes/fake-gemini.js';
import { fakeInputTokenCount, startFakeResponses, type FakeResponses } from '../fakes/fake-responses.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';

let responses: FakeResponses;
let strictResponses: FakeResponses;
let anthropic: FakeAnthropic;
let gemini: FakeUpstream;
let chat: FakeUpstream;

before(async () => {
  [responses, strictResponses, anthropic, gemini, chat] = await Promise.all([
    startFakeResponses(),
    startFakeResponses({ strictEncryptedContent: true }),
    startFakeAnthropic(),
    startFakeGemini(),
    startFakeChatCompletions(),
  ]);
});
after(async () => {
  await Promise.all([responses.close(), strictResponses.close(), anthropic.close(), gemini.close(), chat.close()]);
});

const config = testProviderConfig;

function request(model: string, input: Item[], params: Partial<CreateParams> = {}, instructions: string | null = null): ModelRequest {
  return { model, instructions, input, params: { model: `x/${model}`, ...params }, signal: new AbortController().signal };
}

const user = (text: string): Item => ({ id: 'msg_u1', type: 'message', role: 'user', content: [{ type: 'input_text', text }] });
const assistant = (text: string): Item => ({
  id: 'msg_a1', type: 'message', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }],
});
const call: Item = { id: 'fc_1', type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' };
const output: Item = { id: 'fco_1', type: 'function_call_output', call_id: 'call_1', output: '18C, sunny' };

const WEATHER: Tool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

const HISTORY: Item[] = [user('Weather in Paris?'), call, output, assistant('It is 18C and sunny.'), user('And tomorrow?')];

describe('openai (Responses upstream): POST /responses/input_tokens', () => {
  test('sends the create input with only the fields the count endpoint takes, and returns input_tokens', async () => {
    const provider = createOpenAIResponsesProvider(config('openai', responses.baseUrl));
    const before = responses.received.length;
    const n = await provider.countInputTokens!(request('gpt-5', HISTORY, {
      tools: [WEATHER],
      tool_choice: 'auto',
      parallel_tool_calls: false,
      reasoning: { effort: 'low' },
      text: { format: { type: 'text' }, verbosity: 'low' },
      truncation: 'auto',
      // create-only fields: never sent to the count endpoint
      temperature: 0.3,
      max_output_tokens: 99,
      include: ['reasoning.encrypted_content'],
      prompt_cache_key: 'k',
      user: 'u',
    }, 'Be brief.'));

    assert.equal(responses.received.length, before + 1);
    const got = responses.received.at(-1)!;
    assert.equal(got.method, 'POST');
    assert.equal(got.path, '/v1/responses/input_tokens');
    assert.equal(got.headers.authorization, 'Bearer test-key');
    assert.deepEqual(Object.keys(got.body).sort(), [
      'input', 'instructions', 'model', 'parallel_tool_calls', 'reasoning', 'text', 'tool_choice', 'tools', 'truncation',
    ]);
    assert.equal(got.body.model, 'gpt-5');
    assert.equal(got.body.instructions, 'Be brief.');
    assert.equal(got.body.input.length, 5);
    assert.ok(got.body.input.every((i: any) => i.id === undefined), 'Switchboard ids are stripped, as for a create');
    assert.deepEqual(got.body.input[1], { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' });
    assert.equal(n, fakeInputTokenCount(got.body));
    assert.ok(n > 20);
  });

  test('a reasoning blob OpenAI cannot verify: retried once without reasoning items, as a create would be', async () => {
    const provider = createOpenAIResponsesProvider(config('openai', strictResponses.baseUrl));
    const reasoning: Item = { id: 'rs_1', type: 'reasoning', summary: [], encrypted_content: 'foreign-vendor-blob' };
    const before = strictResponses.received.length;
    const n = await provider.countInputTokens!(request('gpt-5', [user('hi'), reasoning, assistant('hello'), user('again')]));
    const sent = strictResponses.received.slice(before);
    assert.equal(sent.length, 2);
    assert.ok(sent[0].body.input.some((i: any) => i.type === 'reasoning'));
    assert.ok(!sent[1].body.input.some((i: any) => i.type === 'reasoning'));
    assert.equal(n, fakeInputTokenCount(sent[1].body));
  });

  test('an upstream refusal surfaces as UpstreamError with the upstream status', async () => {
    const provider = createOpenAIResponsesProvider(config('openai', `${responses.baseUrl}/nope`));
    await assert.rejects(provider.countInputTokens!(request('gpt-5', [user('x')])), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.upstreamStatus, 404);
      assert.equal(responses.received.at(-1)!.path, '/v1/nope/responses/input_tokens');
      return true;
    });
  });
});

describe('anthropic: POST /messages/count_tokens', () => {
  test('sends model/system/messages/tools/thinking/output_config and none of the generation fields', async () => {
    const provider = createAnthropicProvider(config('anthropic', anthropic.baseUrl));
    const n = await provider.countInputTokens!(request('claude-test', HISTORY, {
      tools: [WEATHER],
      tool_choice: 'auto',
      reasoning: { effort: 'low' },
      max_output_tokens: 5000,
      stop: ['STOP'],
      safety_identifier: 'user-1',
      text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object', properties: {}, additionalProperties: false } } },
    }, 'Be brief.'));

    const got = anthropic.received.at(-1)!;
    assert.equal(got.path, '/v1/messages/count_tokens');
    assert.equal(got.headers['x-api-key'], 'test-key');
    assert.equal(got.headers['anthropic-version'], '2023-06-01');
    for (const field of ['max_tokens', 'stream', 'stop_sequences', 'temperature', 'top_p', 'top_k', 'metadata']) {
      assert.ok(!(field in got.body), `count_tokens must not receive ${field}`);
    }
    assert.equal(got.body.model, 'claude-test');
    assert.deepEqual(got.body.system, [{ type: 'text', text: 'Be brief.' }]);
    assert.deepEqual(got.body.thinking, { type: 'enabled', budget_tokens: 2048 });
    assert.equal(got.body.tools[0].name, 'get_weather');
    assert.deepEqual(got.body.output_config.format.type, 'json_schema');
    assert.deepEqual(got.body.messages.map((m: any) => m.role), ['user', 'assistant', 'user', 'assistant', 'user']);
    assert.equal(got.body.messages[1].content[0].type, 'tool_use');
    assert.equal(got.body.messages[2].content[0].type, 'tool_result');
    assert.equal(n, anthropicCount(got.body));
  });

  test('sampling fields set on the request do not reach the count endpoint', async () => {
    const provider = createAnthropicProvider(config('anthropic', anthropic.baseUrl));
    const n = await provider.countInputTokens!(request('claude-test', [user('hello')], { temperature: 0.5, top_p: 0.9, top_k: 5, user: 'u' }));
    const got = anthropic.received.at(-1)!;
    assert.deepEqual(Object.keys(got.body).sort(), ['messages', 'model']);
    assert.equal(n, anthropicCount(got.body));
  });

  test('what the adapter refuses for a create it refuses for a count, before any request', async () => {
    const provider = createAnthropicProvider(config('anthropic', anthropic.baseUrl));
    const before = anthropic.received.length;
    await assert.rejects(provider.countInputTokens!(request('claude-test', [user('x')], { temperature: 1.5 })), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.param, 'temperature');
      return true;
    });
    assert.equal(anthropic.received.length, before);
  });

  test('an upstream 401 surfaces as UpstreamError', async () => {
    const provider = createAnthropicProvider(config('anthropic', anthropic.baseUrl, { apiKey: '' }));
    await assert.rejects(provider.countInputTokens!(request('claude-test', [user('x')])), (err: unknown) => {
      assert.ok(err instanceof UpstreamError);
      assert.equal(err.upstreamStatus, 401);
      assert.match(err.message, /x-api-key/);
      return true;
    });
  });
});

describe('gemini: POST /models/{model}:countTokens', () => {
  test('sends a generateContentRequest with model, contents, systemInstruction, tools and toolConfig', async () => {
    const provider = createGeminiProvider(config('gemini', gemini.baseUrl));
    const n = await provider.countInputTokens!(request('gemini-2.5-flash', HISTORY, {
      tools: [WEATHER],
      tool_choice: 'required',
      temperature: 0.2,
      max_output_tokens: 100,
    }, 'Be brief.'));

    const got = gemini.received.at(-1)!;
    assert.equal(got.path, '/v1beta/models/gemini-2.5-flash:countTokens');
    assert.equal(got.headers['x-goog-api-key'], 'test-key');
    assert.deepEqual(Object.keys(got.body), ['generateContentRequest']);
    const g = got.body.generateContentRequest;
    assert.equal(g.model, 'models/gemini-2.5-flash');
    assert.deepEqual(g.systemInstruction, { parts: [{ text: 'Be brief.' }] });
    assert.equal(g.tools[0].functionDeclarations[0].name, 'get_weather');
    assert.deepEqual(g.toolConfig, { functionCallingConfig: { mode: 'ANY' } });
    assert.equal(g.generationConfig, undefined);
    assert.deepEqual(g.contents.at(-1), { role: 'user', parts: [{ text: 'And tomorrow?' }] });
    assert.equal(n, geminiCount(got.body));
  });

  test('more history, more tokens', async () => {
    const provider = createGeminiProvider(config('gemini', gemini.baseUrl));
    const short = await provider.countInputTokens!(request('gemini-2.5-flash', [user('And tomorrow?')]));
    const long = await provider.countInputTokens!(request('gemini-2.5-flash', HISTORY));
    assert.ok(long > short, `${long} > ${short}`);
  });
});

describe('openai-chat: local estimate with gpt-tokenizer', () => {
  // Expectations are literal numbers, worked out by hand from o200k token counts of fixed strings (checked
  // once with gpt-tokenizer's countTokens): 'system', 'user', 'assistant', 'tool', 'hi', 'look' = 1 each;
  // 'Be brief.' = 3; 'Weather in Paris?' = 4; 'call_1' = 3; 'get_weather' = 2; '{"city":"Paris"}' = 5;
  // '18C, sunny' = 4; 'It is 18C and sunny.' = 8; 'And tomorrow?' = 3; 'hi <|endoftext|>' = 8 (as text);
  // the tools JSON below = 39. The rule (OpenAI cookbook): 3 per message + its strings, 3 priming the reply.

  /** What a create sends for HISTORY + WEATHER + 'Be brief.', with each message's tokens. */
  const SENT_MESSAGES = [
    { role: 'system', content: 'Be brief.' }, //                                  3 + 1 + 3 = 7
    { role: 'user', content: 'Weather in Paris?' }, //                            3 + 1 + 4 = 8
    { role: 'assistant', content: null, tool_calls: [ //                          3 + 1 + (3 + 2 + 5) = 14
      { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
    ] },
    { role: 'tool', tool_call_id: 'call_1', content: '18C, sunny' }, //           3 + 1 + 3 + 4 = 11
    { role: 'assistant', content: 'It is 18C and sunny.' }, //                    3 + 1 + 8 = 12
    { role: 'user', content: 'And tomorrow?' }, //                                3 + 1 + 3 = 7
  ];
  const SENT_TOOLS = [{ //                                                        39
    type: 'function',
    function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, description: 'Current weather' },
  }];
  /** 3 (priming) + 7 + 8 + 14 + 11 + 12 + 7 + 39 (tools). */
  const HISTORY_TOKENS = 101;

  test('counts the exact messages and tools a create sends; makes no HTTP request', async () => {
    const provider: Provider = createOpenAIChatProvider(config('openai-chat', chat.baseUrl));
    const req = request('qwen3', HISTORY, { tools: [WEATHER], tool_choice: 'auto' }, 'Be brief.');
    const before = chat.received.length;
    const n = await provider.countInputTokens!(req);
    assert.equal(chat.received.length, before, 'counting is local');

    // The breakdown above is of what a create really sends, as the fake received it.
    for await (const _ of await provider.stream(req)) { /* drain */ }
    const sent = chat.received.at(-1)!.body;
    assert.deepEqual(sent.messages, SENT_MESSAGES);
    assert.deepEqual(sent.tools, SENT_TOOLS);
    assert.equal(n, HISTORY_TOKENS);
  });

  test('tools count as their JSON; each message as 3 + its strings', async () => {
    const provider = createOpenAIChatProvider(config('openai-chat', chat.baseUrl));
    const withoutTools = await provider.countInputTokens!(request('qwen3', HISTORY, {}, 'Be brief.'));
    assert.equal(withoutTools, HISTORY_TOKENS - 39);
    const withoutSystem = await provider.countInputTokens!(request('qwen3', HISTORY, {}));
    assert.equal(withoutSystem, HISTORY_TOKENS - 39 - 7);
    assert.equal(await provider.countInputTokens!(request('m', [user('hi')])), 3 + 3 + 1 + 1);
  });

  test('special-token text is counted as text; images count a flat 85', async () => {
    const provider = createOpenAIChatProvider(config('openai-chat', chat.baseUrl));
    const plain = await provider.countInputTokens!(request('m', [user('hi <|endoftext|>')]));
    assert.equal(plain, 3 + 3 + 1 + 8);
    const withImage = await provider.countInputTokens!(request('m', [{
      type: 'message', role: 'user',
      content: [{ type: 'input_text', text: 'look' }, { type: 'input_image', image_url: 'https://example.com/a.png' }],
    }]));
    assert.equal(withImage, 3 + 3 + 1 + 1 + 85);
  });
});
