/**
 * `POST /v1/responses/input_tokens` end to end: the official `openai` SDK's `responses.inputTokens.count()`
 * against Switchboard, with fake upstreams of every kind over real HTTP on loopback.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { countTokens } from 'gpt-tokenizer';
import type { ProviderRegistry } from '../../src/providers/registry.js';
import type { Provider } from '../../src/providers/types.js';
import { countInputTokens } from '../../src/responses/count-input-tokens.js';
import type { ResponseStore } from '../../src/store/response-store.js';
import { ApiError } from '../../src/api/errors.js';
import { fakeCountTokens as anthropicCount, startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import { fakeCountTokens as geminiCount, startFakeGemini } from '../fakes/fake-gemini.js';
import { fakeInputTokenCount, startFakeResponses, type FakeResponses } from '../fakes/fake-responses.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { startSwitchboard, type TestServer } from '../helpers/switchboard.js';

let openai: FakeResponses;
let anthropic: FakeAnthropic;
let gemini: FakeUpstream;
let chat: FakeUpstream;
let sb: TestServer;
let client: OpenAI;

before(async () => {
  [openai, anthropic, gemini, chat] = await Promise.all([
    startFakeResponses(), startFakeAnthropic(), startFakeGemini(), startFakeChatCompletions(),
  ]);
  sb = await startSwitchboard({
    providers: [
      { name: 'oa', kind: 'openai', base_url: openai.baseUrl, api_key: 'sk-up' },
      { name: 'claude', kind: 'anthropic', base_url: anthropic.baseUrl, api_key: 'ak-up' },
      { name: 'claude-nokey', kind: 'anthropic', base_url: anthropic.baseUrl },
      { name: 'gem', kind: 'gemini', base_url: gemini.baseUrl, api_key: 'gk-up' },
      { name: 'local', kind: 'openai-chat', base_url: chat.baseUrl },
    ],
    models: { fast: 'local/qwen3' },
  });
  client = sb.client();
});
after(async () => { await sb.close(); await Promise.all([openai.close(), anthropic.close(), gemini.close(), chat.close()]); });

const ct = (s: string) => countTokens(s, { disallowedSpecial: new Set() });

const WEATHER = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Current weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};

describe('counting through each provider kind', () => {
  test('openai upstream: the count endpoint answers, Switchboard passes its number through', async () => {
    const r = await client.responses.inputTokens.count({
      model: 'oa/gpt-5', input: 'What is the weather in Paris?', instructions: 'Be brief.', tools: [WEATHER], reasoning: { effort: 'low' },
    });
    assert.equal(r.object, 'response.input_tokens');
    const got = openai.received.at(-1)!;
    assert.equal(got.path, '/v1/responses/input_tokens');
    assert.equal(got.headers.authorization, 'Bearer sk-up');
    assert.equal(got.body.model, 'gpt-5');
    assert.equal(got.body.stream, undefined);
    assert.equal(got.body.store, undefined);
    assert.equal(r.input_tokens, fakeInputTokenCount(got.body));
  });

  test('anthropic upstream: count_tokens without max_tokens', async () => {
    const r = await client.responses.inputTokens.count({ model: 'claude/claude-sonnet-4-5', input: 'hello', instructions: 'Be brief.' });
    const got = anthropic.received.at(-1)!;
    assert.equal(got.path, '/v1/messages/count_tokens');
    assert.equal(got.body.max_tokens, undefined);
    assert.deepEqual(got.body.system, [{ type: 'text', text: 'Be brief.' }]);
    assert.equal(r.input_tokens, anthropicCount(got.body));
  });

  test('gemini upstream: countTokens with a generateContentRequest', async () => {
    const r = await client.responses.inputTokens.count({ model: 'gem/gemini-2.5-flash', input: 'hello', tools: [WEATHER] });
    const got = gemini.received.at(-1)!;
    assert.equal(got.path, '/v1beta/models/gemini-2.5-flash:countTokens');
    assert.equal(got.body.generateContentRequest.model, 'models/gemini-2.5-flash');
    assert.equal(r.input_tokens, geminiCount(got.body));
  });

  test('openai-chat upstream (via an alias): counted locally, no upstream call', async () => {
    const before = chat.received.length;
    const r = await client.responses.inputTokens.count({ model: 'fast', input: 'hello there', instructions: 'Be brief.' });
    assert.equal(chat.received.length, before);
    assert.equal(r.input_tokens, 3 + (3 + ct('system') + ct('Be brief.')) + (3 + ct('user') + ct('hello there')));
  });
});

describe('history', () => {
  test('previous_response_id: the stored conversation is counted too', async () => {
    const first = await client.responses.create({ model: 'local/qwen3', input: 'first question' });
    assert.equal(first.output_text, 'echo: first question');
    const alone = await client.responses.inputTokens.count({ model: 'local/qwen3', input: 'second question' });
    const chained = await client.responses.inputTokens.count({ model: 'local/qwen3', input: 'second question', previous_response_id: first.id });
    assert.ok(chained.input_tokens > alone.input_tokens, `${chained.input_tokens} > ${alone.input_tokens}`);
    // exactly the two earlier messages: the user's and the assistant's
    const history = (3 + ct('user') + ct('first question')) + (3 + ct('assistant') + ct('echo: first question'));
    assert.equal(chained.input_tokens - alone.input_tokens, history);
    // counting stores nothing: the chain still ends at `first`
    const items = await client.responses.inputItems.list(first.id);
    assert.equal(items.data.length, 1);
  });

  test('conversation: its items are counted before the input, as a create would send them', async () => {
    const conv = await client.conversations.create({ items: [{ role: 'user', content: 'first question' }, { role: 'assistant', content: 'echo: first question' }] });
    const alone = await client.responses.inputTokens.count({ model: 'local/qwen3', input: 'second question' });
    const inConv = await client.responses.inputTokens.count({ model: 'local/qwen3', input: 'second question', conversation: conv.id });
    const history = (3 + ct('user') + ct('first question')) + (3 + ct('assistant') + ct('echo: first question'));
    assert.equal(inConv.input_tokens - alone.input_tokens, history);
    // Counting appends nothing; an unknown conversation is a 404 as for create.
    assert.equal((await client.conversations.items.list(conv.id)).data.length, 2);
    await assert.rejects(client.responses.inputTokens.count({ model: 'local/qwen3', input: 'x', conversation: 'conv_1' }),
      (e: any) => e.status === 404 && e.param === 'conversation');
  });

  test('previous_response_id on a vendor endpoint: the history reaches the count request', async () => {
    const first = await client.responses.create({ model: 'claude/claude-sonnet-4-5', input: 'remember 42' });
    const alone = await client.responses.inputTokens.count({ model: 'claude/claude-sonnet-4-5', input: 'what number?' });
    const chained = await client.responses.inputTokens.count({
      model: 'claude/claude-sonnet-4-5', input: 'what number?', previous_response_id: first.id,
    });
    const got = anthropic.received.at(-1)!;
    assert.equal(got.path, '/v1/messages/count_tokens');
    assert.deepEqual(got.body.messages.map((m: any) => m.role), ['user', 'assistant', 'user']);
    assert.ok(chained.input_tokens > alone.input_tokens);
  });

  test('reasoning state: a provider gets its own signatures back untagged, never another vendor\'s', async () => {
    anthropic.enqueue({ kind: 'reply', reasoning: 'think hard', text: 'ok' });
    const first = await client.responses.create({ model: 'claude/claude-sonnet-4-5', input: 'puzzle', reasoning: { effort: 'low' } });
    const signature = Buffer.from('fake-signature:think hard').toString('base64');

    await client.responses.inputTokens.count({
      model: 'claude/claude-sonnet-4-5', input: 'next', previous_response_id: first.id, reasoning: { effort: 'low' },
    });
    const toClaude = anthropic.received.at(-1)!;
    assert.equal(toClaude.path, '/v1/messages/count_tokens');
    assert.deepEqual(toClaude.body.messages[1].content[0], { type: 'thinking', thinking: 'think hard', signature });

    await client.responses.inputTokens.count({ model: 'oa/gpt-5', input: 'next', previous_response_id: first.id });
    const toOpenAI = openai.received.at(-1)!;
    assert.equal(toOpenAI.path, '/v1/responses/input_tokens');
    assert.ok(!JSON.stringify(toOpenAI.body).includes(signature), 'Anthropic\'s signature must not reach OpenAI');
    assert.deepEqual(toOpenAI.body.input.map((i: any) => i.type ?? i.role), ['message', 'message', 'message']);
  });
});

describe('errors', () => {
  async function apiError(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
    try {
      await p;
    } catch (err) {
      assert.ok(err instanceof OpenAI.APIError, String(err));
      return err;
    }
    assert.fail('expected an error');
  }

  test('unknown model → 400 model_not_found', async () => {
    const err = await apiError(client.responses.inputTokens.count({ model: 'nobody/gpt-x', input: 'hi' }));
    assert.equal(err.status, 400);
    assert.equal(err.code, 'model_not_found');
    assert.equal(err.param, 'model');
  });

  test('a bad item → 400 with the same param path as create', async () => {
    const body = { model: 'local/qwen3', input: [{ type: 'message', role: 'user', content: [{ type: 'input_bogus', text: 'x' }] }] };
    const err = await apiError(client.responses.inputTokens.count(body as any));
    assert.equal(err.status, 400);
    assert.equal(err.param, 'input[0].content[0].type');
    const create = await apiError(client.responses.create(body as any));
    assert.equal(create.param, err.param);
    assert.equal(create.code, err.code);
  });

  test('create-only fields and a missing model are refused with their param', async () => {
    let res = await sb.post('/v1/responses/input_tokens', { model: 'local/qwen3', input: 'x', temperature: 0.2 });
    assert.equal(res.status, 400);
    let body = await res.json() as any;
    assert.deepEqual(body.error, { message: "Unknown parameter: 'temperature'.", type: 'invalid_request_error', param: 'temperature', code: 'unknown_parameter' });

    res = await sb.post('/v1/responses/input_tokens', { input: 'x' });
    body = await res.json() as any;
    assert.equal(res.status, 400);
    assert.equal(body.error.param, 'model');
    assert.equal(body.error.code, 'missing_required_parameter');

    res = await sb.post('/v1/responses/input_tokens', '{not json');
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as any).error.code, 'invalid_json');
  });

  test('unknown previous_response_id → 400 previous_response_not_found', async () => {
    const err = await apiError(client.responses.inputTokens.count({ model: 'local/qwen3', input: 'x', previous_response_id: 'resp_missing' }));
    assert.equal(err.status, 400);
    assert.equal(err.code, 'previous_response_not_found');
    assert.equal(err.param, 'previous_response_id');
  });

  test('a field the provider cannot honour is refused as for create', async () => {
    const hosted = await apiError(client.responses.inputTokens.count({
      model: 'claude/claude-sonnet-4-5', input: 'x', tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search' } as any,
    }));
    assert.equal(hosted.param, 'tool_choice');
    // Merely offered, a hosted tool the provider cannot run is left out of the count, as create leaves it out.
    const offered = await client.responses.inputTokens.count({ model: 'claude/claude-sonnet-4-5', input: 'x', tools: [WEATHER, { type: 'web_search' }] });
    const plain = await client.responses.inputTokens.count({ model: 'claude/claude-sonnet-4-5', input: 'x', tools: [WEATHER] });
    assert.equal(offered.input_tokens, plain.input_tokens);
    assert.deepEqual(anthropic.received.at(-2)!.body.tools, anthropic.received.at(-1)!.body.tools);
  });

  test('an upstream failure maps like a create: 401 upstream → 502 upstream_auth_error', async () => {
    const err = await apiError(client.responses.inputTokens.count({ model: 'claude-nokey/claude-sonnet-4-5', input: 'x' }));
    assert.equal(err.status, 502);
    assert.equal(err.code, 'upstream_auth_error');
    assert.match(err.message, /claude-nokey/);
  });
});

describe('service', () => {
  test('a provider without countInputTokens → 400 unsupported_parameter', async () => {
    const provider: Provider = {
      name: 'plain', kind: 'custom', supportedParams: new Set(),
      stream: async () => { throw new Error('not called'); },
    };
    const registry = {
      resolve: () => [{ provider, config: { name: 'plain', dropUnsupported: false }, model: 'm', routed: 'plain/m' }],
    } as unknown as ProviderRegistry;
    const ctx = { requestId: 'req_1', tenant: 'default', keyId: null };
    await assert.rejects(countInputTokens({ store: {} as ResponseStore, registry }, ctx, { model: 'plain/m', input: 'x' }), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 400);
      assert.equal(err.code, 'unsupported_parameter');
      assert.match(err.message, /not available for provider 'plain'/);
      return true;
    });
  });
});
