/**
 * End to end with the official `openai` SDK as the client, Switchboard in between, and a fake
 * Chat-Completions upstream over real HTTP on loopback.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { readSse, startSwitchboard, type TestServer } from '../helpers/switchboard.js';

let fake: FakeUpstream;
let sb: TestServer;
let client: OpenAI;

before(async () => {
  fake = await startFakeChatCompletions();
  sb = await startSwitchboard({
    providers: [{ name: 'vllm', kind: 'openai-chat', base_url: fake.baseUrl, models: ['qwen3-8b'] }],
    models: { fast: 'vllm/qwen3-8b' },
  });
  client = sb.client();
});
after(async () => { await sb.close(); await fake.close(); });

const RESOURCE_FIELDS = [
  'id', 'object', 'created_at', 'completed_at', 'status', 'incomplete_details', 'model', 'previous_response_id',
  'instructions', 'output', 'error', 'tools', 'tool_choice', 'truncation', 'parallel_tool_calls', 'text', 'top_p',
  'presence_penalty', 'frequency_penalty', 'top_logprobs', 'temperature', 'reasoning', 'usage', 'max_output_tokens',
  'max_tool_calls', 'store', 'background', 'service_tier', 'metadata', 'safety_identifier', 'prompt_cache_key',
];

describe('create', () => {
  test('non-streaming create returns a complete Response object', async () => {
    const r = await client.responses.create({ model: 'vllm/qwen3-8b', input: 'hello there', metadata: { k: 'v' }, temperature: 0.5 });
    assert.equal(r.status, 'completed');
    assert.equal(r.output_text, 'echo: hello there');
    assert.equal(r.model, 'vllm/qwen3-8b');
    assert.match(r.id, /^resp_[0-9a-f]{48}$/);
    assert.match(r.output[0].id!, /^msg_/);
    for (const f of RESOURCE_FIELDS) assert.ok(f in r, `Response lacks '${f}'`);
    assert.deepEqual(r.metadata, { k: 'v' });
    assert.equal(r.temperature, 0.5);
    assert.ok(r.usage && r.usage.total_tokens === r.usage.input_tokens + r.usage.output_tokens);
    assert.equal(typeof r.usage!.input_tokens_details.cached_tokens, 'number');
    assert.equal(typeof r.usage!.output_tokens_details.reasoning_tokens, 'number');
    assert.equal(typeof r.completed_at, 'number');
    const got = await client.responses.retrieve(r.id);
    assert.deepEqual(got.output, r.output);
    // the upstream saw the translated request
    const sent = fake.received.at(-1)!.body;
    assert.equal(sent.model, 'qwen3-8b');
    assert.equal(sent.temperature, 0.5);
    assert.deepEqual(sent.messages.at(-1), { role: 'user', content: 'hello there' });
  });

  test('aliases route to their provider/model', async () => {
    const r = await client.responses.create({ model: 'fast', input: 'x' });
    assert.equal(r.model, 'vllm/qwen3-8b');
  });

  test('stream: true gives the exact semantic event order with sequence numbers from 0, then [DONE]', async () => {
    const res = await sb.post('/v1/responses', { model: 'vllm/qwen3-8b', input: 'stream me', stream: true });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /text\/event-stream/);
    assert.ok(res.headers.get('x-request-id'));
    const frames = await readSse(res);
    assert.equal(frames.at(-1)!.data, '[DONE]');
    const events = frames.slice(0, -1);
    for (const f of events) assert.equal(f.event, f.data.type);
    assert.deepEqual(events.map((f) => f.data.sequence_number), events.map((_, i) => i));
    const types = [...new Set(events.map((f) => f.data.type))];
    assert.deepEqual(types, [
      'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
      'response.output_text.delta', 'response.output_text.done', 'response.content_part.done',
      'response.output_item.done', 'response.completed',
    ]);
    const text = events.filter((f) => f.data.type === 'response.output_text.delta').map((f) => f.data.delta).join('');
    assert.equal(text, 'echo: stream me');
  });

  test('a streamed response\'s event log is stored and replays with GET ?stream=true (starting_after)', async () => {
    const live = (await readSse(await sb.post('/v1/responses', { model: 'vllm/qwen3-8b', input: 'replay me', stream: true }))).slice(0, -1).map((f) => f.data);
    const id = live[0].response.id;
    const replay = (await readSse(await fetch(`${sb.url}/v1/responses/${id}?stream=true`))).slice(0, -1).map((f) => f.data);
    assert.deepEqual(replay, live);
    const tail = (await readSse(await fetch(`${sb.url}/v1/responses/${id}?stream=true&starting_after=3`))).slice(0, -1).map((f) => f.data);
    assert.deepEqual(tail, live.slice(4));
  });

  test('the SDK stream() helper accepts the event order and assembles the final response', async () => {
    const stream = client.responses.stream({ model: 'vllm/qwen3-8b', input: 'helper' });
    let deltas = '';
    stream.on('response.output_text.delta', (e) => { deltas += e.delta; });
    const final = await stream.finalResponse();
    assert.equal(deltas, 'echo: helper');
    assert.equal((final.output[0] as any).content[0].text, 'echo: helper');
    const stored = await client.responses.retrieve(final.id);
    assert.equal(stored.status, 'completed');
  });

  test('the stream() helper also accepts reasoning (summary and reasoning_text), refusals and parallel tool calls', async () => {
    fake.enqueue({ kind: 'reply', reasoning: 'think first', text: 'answer', usage: { input: 5, output: 9, reasoning: 3 } });
    const withSummary = await client.responses.stream({ model: 'vllm/qwen3-8b', input: 'x', reasoning: { summary: 'auto' } }).finalResponse();
    assert.deepEqual(withSummary.output.map((o) => o.type), ['reasoning', 'message']);
    assert.equal((withSummary.output[0] as any).summary[0].text, 'think first');
    fake.enqueue({ kind: 'reply', reasoning: 'raw thoughts', text: 'answer' });
    const raw = await client.responses.stream({ model: 'vllm/qwen3-8b', input: 'x' }).finalResponse();
    assert.equal((raw.output[0] as any).content[0].text, 'raw thoughts');
    fake.enqueue({ kind: 'reply', refusal: 'I cannot help with that.' });
    const refused = await client.responses.stream({ model: 'vllm/qwen3-8b', input: 'x' }).finalResponse();
    const part = (refused.output[0] as any).content[0];
    assert.deepEqual([part.type, part.refusal, (refused.output[0] as any).content.length], ['refusal', 'I cannot help with that.', 1]);
    fake.enqueue({ kind: 'reply', toolCalls: [{ name: 'f', arguments: '{"a":1}', id: 'c1' }, { name: 'f', arguments: '{"a":2}', id: 'c2' }] });
    const calls = await client.responses.stream({
      model: 'vllm/qwen3-8b', input: 'x', tools: [{ type: 'function', name: 'f', parameters: { type: 'object' }, strict: false }],
    }).finalResponse();
    assert.deepEqual(calls.output.map((o: any) => [o.type, o.call_id, o.arguments]), [['function_call', 'c1', '{"a":1}'], ['function_call', 'c2', '{"a":2}']]);
  });

  test('create with stream: true through the SDK iterates typed events', async () => {
    const stream = await client.responses.create({ model: 'vllm/qwen3-8b', input: 'iter', stream: true });
    const types: string[] = [];
    for await (const e of stream) types.push(e.type);
    assert.equal(types[0], 'response.created');
    assert.equal(types.at(-1), 'response.completed');
  });

  test('served at /v1/responses, /v5/responses and /responses', async () => {
    for (const path of ['/v5/responses', '/responses']) {
      const res = await sb.post(path, { model: 'vllm/qwen3-8b', input: 'p' });
      assert.equal(res.status, 200, path);
      assert.equal((await res.json()).status, 'completed');
    }
    const viaNoV1 = sb.client({ baseURLSuffix: '' });
    assert.equal((await viaNoV1.responses.create({ model: 'vllm/qwen3-8b', input: 'q' })).status, 'completed');
  });
});

describe('tools and state', () => {
  test('parallel function calls, then previous_response_id with outputs: the model sees the whole history but not old instructions', async () => {
    fake.enqueue({ kind: 'reply', toolCalls: [
      { name: 'get_weather', arguments: '{"city":"Paris"}', id: 'call_1' },
      { name: 'get_weather', arguments: '{"city":"Oslo"}', id: 'call_2' },
    ], usage: { input: 10, output: 5 } });
    const tools = [{ type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }];
    const r1 = await client.responses.create({ model: 'vllm/qwen3-8b', input: 'weather?', instructions: 'OLD INSTRUCTIONS', tools });
    const calls = r1.output.filter((o) => o.type === 'function_call');
    assert.equal(calls.length, 2);
    assert.deepEqual(calls.map((c) => [c.call_id, c.name, c.arguments]), [
      ['call_1', 'get_weather', '{"city":"Paris"}'], ['call_2', 'get_weather', '{"city":"Oslo"}'],
    ]);
    assert.ok(calls.every((c) => /^fc_/.test(c.id!)));

    const r2 = await client.responses.create({
      model: 'vllm/qwen3-8b',
      previous_response_id: r1.id,
      instructions: 'NEW INSTRUCTIONS',
      tools,
      input: [
        { type: 'function_call_output', call_id: 'call_1', output: '18C' },
        { type: 'function_call_output', call_id: 'call_2', output: '3C' },
      ],
    });
    assert.equal(r2.previous_response_id, r1.id);
    const messages = fake.received.at(-1)!.body.messages;
    assert.deepEqual(messages.map((m: any) => m.role), ['system', 'user', 'assistant', 'tool', 'tool']);
    assert.equal(messages[0].content, 'NEW INSTRUCTIONS');
    assert.ok(!JSON.stringify(messages).includes('OLD INSTRUCTIONS'));
    assert.deepEqual(messages[2].tool_calls.map((t: any) => t.id), ['call_1', 'call_2']);
    assert.deepEqual(messages.slice(3).map((m: any) => [m.tool_call_id, m.content]), [['call_1', '18C'], ['call_2', '3C']]);
  });

  test('streamed function call: added with call_id → arguments deltas → done → output_item.done', async () => {
    fake.enqueue({ kind: 'reply', toolCalls: [{ name: 'f', arguments: '{"a":1,"b":"two"}', id: 'call_s' }], chunkSize: 3 });
    const res = await sb.post('/v1/responses', {
      model: 'vllm/qwen3-8b', input: 'x', stream: true,
      tools: [{ type: 'function', name: 'f', parameters: { type: 'object' } }],
    });
    const events = (await readSse(res)).slice(0, -1).map((f) => f.data);
    const added = events.find((e) => e.type === 'response.output_item.added')!;
    assert.equal(added.item.type, 'function_call');
    assert.equal(added.item.call_id, 'call_s');
    const deltas = events.filter((e) => e.type === 'response.function_call_arguments.delta');
    assert.ok(deltas.length > 1);
    assert.equal(deltas.map((d) => d.delta).join(''), '{"a":1,"b":"two"}');
    const done = events.find((e) => e.type === 'response.function_call_arguments.done')!;
    assert.equal(done.arguments, '{"a":1,"b":"two"}');
    const idx = (t: string) => events.findIndex((e) => e.type === t);
    assert.ok(idx('response.output_item.added') < idx('response.function_call_arguments.delta'));
    assert.ok(idx('response.function_call_arguments.done') < idx('response.output_item.done'));
  });

  test('a long chain keeps every turn in order', async () => {
    let prev: string | undefined;
    for (let i = 0; i < 12; i++) {
      const r = await client.responses.create({ model: 'vllm/qwen3-8b', input: `turn ${i}`, previous_response_id: prev });
      prev = r.id;
    }
    const messages = fake.received.at(-1)!.body.messages;
    assert.equal(messages.length, 23);
    assert.deepEqual(messages.filter((m: any) => m.role === 'user').map((m: any) => m.content), Array.from({ length: 12 }, (_, i) => `turn ${i}`));
    assert.equal(messages[21].content, 'echo: turn 10');
  });

  test('forking from an older response sees only that branch', async () => {
    const a = await client.responses.create({ model: 'vllm/qwen3-8b', input: 'A' });
    const b = await client.responses.create({ model: 'vllm/qwen3-8b', input: 'B', previous_response_id: a.id });
    await client.responses.create({ model: 'vllm/qwen3-8b', input: 'C', previous_response_id: b.id });
    await client.responses.create({ model: 'vllm/qwen3-8b', input: 'B2', previous_response_id: a.id });
    const users = fake.received.at(-1)!.body.messages.filter((m: any) => m.role === 'user').map((m: any) => m.content);
    assert.deepEqual(users, ['A', 'B2']);
    const d = await client.responses.create({ model: 'vllm/qwen3-8b', input: 'D', previous_response_id: b.id });
    assert.deepEqual(fake.received.at(-1)!.body.messages.filter((m: any) => m.role === 'user').map((m: any) => m.content), ['A', 'B', 'D']);
    assert.equal(d.status, 'completed');
  });

  test('item_reference resolves stored items', async () => {
    const r = await client.responses.create({ model: 'vllm/qwen3-8b', input: 'remember me' });
    await client.responses.create({ model: 'vllm/qwen3-8b', input: [{ type: 'item_reference', id: r.output[0].id! }, { role: 'user', content: 'and?' }] });
    const messages = fake.received.at(-1)!.body.messages;
    assert.deepEqual(messages.map((m: any) => [m.role, m.content]), [['assistant', 'echo: remember me'], ['user', 'and?']]);
    const bad = await sb.post('/v1/responses', { model: 'vllm/qwen3-8b', input: [{ type: 'item_reference', id: 'msg_nope' }] });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.param, 'input[0].id');
  });

  test('previous_response_id that is missing or was not stored → 400 previous_response_not_found', async () => {
    const unstored = await client.responses.create({ model: 'vllm/qwen3-8b', input: 'ephemeral', store: false });
    for (const id of ['resp_missing', unstored.id]) {
      await assert.rejects(client.responses.create({ model: 'vllm/qwen3-8b', input: 'x', previous_response_id: id }), (e: any) => {
        assert.equal(e.status, 400);
        assert.equal(e.code, 'previous_response_not_found');
        assert.equal(e.param, 'previous_response_id');
        return true;
      });
    }
    await assert.rejects(client.responses.retrieve(unstored.id), (e: any) => e.status === 404);
  });

  test('input_items: cursor paging both orders; delete removes the response', async () => {
    const input = Array.from({ length: 5 }, (_, i) => ({ role: 'user' as const, content: `m${i}` }));
    const r = await client.responses.create({ model: 'vllm/qwen3-8b', input });
    const asc = await client.responses.inputItems.list(r.id, { order: 'asc', limit: 2 });
    assert.equal(asc.data.length, 2);
    assert.equal(asc.has_more, true);
    const all: string[] = [];
    for await (const item of client.responses.inputItems.list(r.id, { order: 'asc', limit: 2 })) {
      all.push((item as any).content[0].text);
    }
    assert.deepEqual(all, ['m0', 'm1', 'm2', 'm3', 'm4']);
    const desc = await client.responses.inputItems.list(r.id, { limit: 10 });
    assert.deepEqual(desc.data.map((i: any) => i.content[0].text), ['m4', 'm3', 'm2', 'm1', 'm0']);
    assert.equal(desc.has_more, false);
    const raw = await (await fetch(`${sb.url}/v1/responses/${r.id}/input_items?order=desc&limit=3`)).json();
    assert.equal(raw.object, 'list');
    assert.equal(raw.first_id, desc.data[0].id);
    assert.equal(raw.last_id, desc.data[2].id);
    assert.equal(raw.has_more, true);
    const badLimit = await fetch(`${sb.url}/v1/responses/${r.id}/input_items?limit=101`);
    assert.equal(badLimit.status, 400);
    assert.equal((await badLimit.json()).error.param, 'limit');

    await client.responses.delete(r.id);
    await assert.rejects(client.responses.retrieve(r.id), (e: any) => e.status === 404 && e.error?.type === 'invalid_request_error');
    await assert.rejects(client.responses.delete(r.id), (e: any) => e.status === 404);
  });

  test('cancel on a synchronous response is a 400', async () => {
    const r = await client.responses.create({ model: 'vllm/qwen3-8b', input: 'x' });
    await assert.rejects(client.responses.cancel(r.id), (e: any) => e.status === 400);
    await assert.rejects(client.responses.cancel('resp_nope'), (e: any) => e.status === 404);
  });
});
