/**
 * End to end with the Vercel AI SDK (`ai` + `@ai-sdk/openai`, its Responses-API model) as the client, unmodified
 * but for the base URL, Switchboard in between, and fake Chat-Completions / Anthropic upstreams on loopback.
 * Every request body the SDK sends to Switchboard is recorded (through the SDK's own `fetch` option), so the
 * tests assert what the client put on the wire as well as what the fake upstream received; every TCP connection
 * is recorded too, and must stay on loopback.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createOpenAI } from '@ai-sdk/openai';
import { generateObject, generateText, Output, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import type { TestServer } from '../helpers/switchboard.js';
import { LOOPBACK_HOSTS, type ConnectionRecorder } from '../helpers/connection-recorder.js';
import { startSdkHarness, type SdkHarness } from '../helpers/sdk-harness.js';

let harness: SdkHarness;
let chat: FakeUpstream;
let anthropic: FakeUpstream;
let sb: TestServer;
let openai: ReturnType<typeof createOpenAI>;
/** What the SDK sent to Switchboard (parsed JSON bodies of POST /v1/responses), newest last. */
let sent: any[];
/** Every host a TCP connection was opened to in this process: all must be loopback. */
let connections: ConnectionRecorder;

before(async () => {
  harness = await startSdkHarness();
  ({ chat, anthropic, sb, sent, connections } = harness);
  openai = createOpenAI({ baseURL: `${sb.url}/v1`, apiKey: 'x', fetch: harness.fetch });
});
after(() => harness.close());

/** A per-test bound: nothing here may hang the suite. */
const bounded = () => AbortSignal.timeout(10_000);

const weather = () => {
  const calls: unknown[] = [];
  const t = tool({
    description: 'Current weather for a city',
    inputSchema: z.object({ city: z.string() }),
    execute: async (input) => {
      calls.push(input);
      return { forecast: `sunny in ${input.city}`, celsius: 21 };
    },
  });
  return { calls, tool: t };
};

describe('Vercel AI SDK (openai.responses) against Switchboard', { timeout: 60_000 }, () => {
  test('generateText: text, finish reason, usage numbers, response id', async () => {
    chat.enqueue({ kind: 'reply', text: 'Hello from the fake.', usage: { input: 11, output: 7, cached: 3 } });
    const r = await generateText({ model: openai.responses('vllm/m'), prompt: 'say hello', abortSignal: bounded() });
    assert.equal(r.text, 'Hello from the fake.');
    assert.equal(r.finishReason, 'stop');
    assert.equal(r.usage.inputTokens, 11);
    assert.equal(r.usage.outputTokens, 7);
    assert.equal(r.usage.totalTokens, 18);
    assert.equal(r.usage.inputTokenDetails?.cacheReadTokens, 3);
    assert.match(r.response.id, /^resp_/);
    assert.equal(r.response.modelId, 'vllm/m');
    const up = chat.received.at(-1)!.body;
    assert.equal(up.model, 'm');
    assert.deepEqual(up.messages.at(-1), { role: 'user', content: 'say hello' });
    // the stored response is the one the SDK got
    const stored = await sb.client().responses.retrieve(r.response.id);
    assert.equal(stored.output_text, 'Hello from the fake.');
  });

  test('streamText: text deltas arrive one by one, then finishReason and usage', async () => {
    chat.enqueue({ kind: 'reply', text: 'streamed answer here', chunkSize: 3, usage: { input: 5, output: 4 } });
    const result = streamText({ model: openai.responses('vllm/m'), prompt: 'stream please', abortSignal: bounded() });
    const deltas: string[] = [];
    for await (const d of result.textStream) deltas.push(d);
    assert.ok(deltas.length > 1, `several deltas, got ${JSON.stringify(deltas)}`);
    assert.equal(deltas.join(''), 'streamed answer here');
    assert.equal(await result.finishReason, 'stop');
    const usage = await result.usage;
    assert.equal(usage.inputTokens, 5);
    assert.equal(usage.outputTokens, 4);
    assert.equal(usage.totalTokens, 9);
    assert.match((await result.response).id, /^resp_/);
    assert.equal(sent.at(-1).stream, true);
    assert.equal(chat.received.at(-1)!.body.stream, true);
  });

  test('tool calling with generateText: the SDK runs the tool, step 2 sends the result back', async () => {
    chat.enqueue(
      { kind: 'reply', toolCalls: [{ id: 'call_w1', name: 'weather', arguments: '{"city":"Paris"}' }] },
      { kind: 'reply', text: 'It is sunny in Paris.' },
    );
    const w = weather();
    const before = chat.received.length;
    const r = await generateText({
      model: openai.responses('vllm/m'),
      prompt: 'Weather in Paris?',
      tools: { weather: w.tool },
      stopWhen: stepCountIs(3),
      abortSignal: bounded(),
    });
    assert.equal(r.text, 'It is sunny in Paris.');
    assert.equal(r.steps.length, 2);
    assert.equal(r.steps[0].finishReason, 'tool-calls');
    assert.equal(r.steps[0].toolCalls[0].toolCallId, 'call_w1');
    assert.deepEqual(w.calls, [{ city: 'Paris' }]);

    const [first, second] = chat.received.slice(before).map((q) => q.body);
    assert.equal(chat.received.length - before, 2);
    const fn = first.tools.find((t: any) => t.function?.name === 'weather');
    assert.ok(fn, 'the tool reached the upstream');
    assert.equal(fn.function.description, 'Current weather for a city');
    assert.deepEqual(fn.function.parameters.required, ['city']);
    assert.equal(fn.function.parameters.properties.city.type, 'string');

    const assistant = second.messages.find((m: any) => m.role === 'assistant');
    assert.deepEqual(assistant.tool_calls, [{ id: 'call_w1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }]);
    const toolMsg = second.messages.at(-1);
    assert.equal(toolMsg.role, 'tool');
    assert.equal(toolMsg.tool_call_id, 'call_w1');
    assert.deepEqual(JSON.parse(toolMsg.content), { forecast: 'sunny in Paris', celsius: 21 });
    assert.deepEqual(second.messages[0], { role: 'user', content: 'Weather in Paris?' });
  });

  test('tool calling with streamText: streamed call arguments, tool result, final text', async () => {
    chat.enqueue(
      { kind: 'reply', toolCalls: [{ id: 'call_s1', name: 'weather', arguments: '{"city":"Oslo"}' }], chunkSize: 3 },
      { kind: 'reply', text: 'Oslo: sunny.', chunkSize: 3 },
    );
    const w = weather();
    const before = chat.received.length;
    const result = streamText({
      model: openai.responses('vllm/m'),
      prompt: 'Weather in Oslo?',
      tools: { weather: w.tool },
      stopWhen: stepCountIs(3),
      abortSignal: bounded(),
    });
    const parts: string[] = [];
    let argDeltas = '';
    for await (const p of result.fullStream) {
      parts.push(p.type);
      if (p.type === 'tool-input-delta') argDeltas += p.delta;
      if (p.type === 'error') throw p.error;
    }
    assert.equal(await result.text, 'Oslo: sunny.');
    assert.deepEqual(w.calls, [{ city: 'Oslo' }]);
    assert.equal(argDeltas, '{"city":"Oslo"}');
    for (const t of ['tool-input-start', 'tool-call', 'tool-result', 'text-delta', 'finish']) assert.ok(parts.includes(t), `saw ${t}`);
    assert.equal(await result.finishReason, 'stop');
    const second = chat.received.slice(before)[1].body;
    assert.equal(second.messages.find((m: any) => m.role === 'assistant').tool_calls[0].id, 'call_s1');
    assert.equal(second.messages.at(-1).tool_call_id, 'call_s1');
    assert.deepEqual(JSON.parse(second.messages.at(-1).content), { forecast: 'sunny in Oslo', celsius: 21 });
  });

  const Person = z.object({ name: z.string(), age: z.number().int() });

  test('generateObject with a zod schema goes out as text.format json_schema', async () => {
    chat.enqueue({ kind: 'reply', text: '{"name":"Ada","age":36}' });
    const r = await generateObject({ model: openai.responses('vllm/m'), schema: Person, schemaName: 'person', prompt: 'Who?', abortSignal: bounded() });
    assert.deepEqual(r.object, { name: 'Ada', age: 36 });
    assert.equal(sent.at(-1).text.format.type, 'json_schema');
    assert.equal(sent.at(-1).text.format.name, 'person');
    const rf = chat.received.at(-1)!.body.response_format;
    assert.equal(rf.type, 'json_schema');
    assert.equal(rf.json_schema.name, 'person');
    assert.deepEqual(rf.json_schema.schema.required, ['name', 'age']);
  });

  test('generateText with Output.object parses the structured answer', async () => {
    chat.enqueue({ kind: 'reply', text: '{"name":"Grace","age":85}' });
    const r = await generateText({
      model: openai.responses('vllm/m'),
      output: Output.object({ schema: Person }),
      prompt: 'Who else?',
      abortSignal: bounded(),
    });
    assert.deepEqual(r.output, { name: 'Grace', age: 85 });
    assert.equal(sent.at(-1).text.format.type, 'json_schema');
    assert.equal(chat.received.at(-1)!.body.response_format.type, 'json_schema');
  });

  test('providerOptions.openai.previousResponseId chains on the stored response', async () => {
    const first = await generateText({ model: openai.responses('vllm/m'), prompt: 'remember 42', abortSignal: bounded() });
    assert.equal(first.text, 'echo: remember 42');
    const second = await generateText({
      model: openai.responses('vllm/m'),
      prompt: 'what number?',
      providerOptions: { openai: { previousResponseId: first.response.id } },
      abortSignal: bounded(),
    });
    assert.equal(second.text, 'echo: what number?');
    assert.equal(sent.at(-1).previous_response_id, first.response.id);
    assert.deepEqual(chat.received.at(-1)!.body.messages, [
      { role: 'user', content: 'remember 42' },
      { role: 'assistant', content: 'echo: remember 42' },
      { role: 'user', content: 'what number?' },
    ]);
    const stored = await sb.client().responses.retrieve(second.response.id);
    assert.equal(stored.previous_response_id, first.response.id);
  });

  test('a multi-turn conversation resent by the SDK (messages with item ids) works', async () => {
    const first = await generateText({ model: openai.responses('vllm/m'), prompt: 'one', abortSignal: bounded() });
    const r = await generateText({
      model: openai.responses('vllm/m'),
      messages: [{ role: 'user', content: 'one' }, ...first.response.messages, { role: 'user', content: 'two' }],
      abortSignal: bounded(),
    });
    assert.equal(r.text, 'echo: two');
    assert.deepEqual(chat.received.at(-1)!.body.messages, [
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'echo: one' },
      { role: 'user', content: 'two' },
    ]);
  });

  test('Anthropic upstream: streamed tool call round trip through the Responses model', async () => {
    anthropic.enqueue(
      { kind: 'reply', text: 'Let me check.', toolCalls: [{ id: 'toolu_a1', name: 'weather', arguments: '{"city":"Rome"}' }] },
      { kind: 'reply', text: 'Rome is sunny.', usage: { input: 40, output: 5 } },
    );
    const w = weather();
    const before = anthropic.received.length;
    const result = streamText({
      model: openai.responses('claude/claude-sonnet-4-5'),
      prompt: 'Weather in Rome?',
      tools: { weather: w.tool },
      stopWhen: stepCountIs(3),
      abortSignal: bounded(),
    });
    for await (const p of result.fullStream) if (p.type === 'error') throw p.error;
    assert.equal(await result.text, 'Rome is sunny.');
    assert.deepEqual(w.calls, [{ city: 'Rome' }]);
    const steps = await result.steps;
    assert.equal(steps.length, 2);
    assert.equal(steps[0].text, 'Let me check.');
    assert.equal(steps[1].usage.inputTokens, 40);
    const reqs = anthropic.received.slice(before).map((q) => q.body);
    assert.equal(reqs.length, 2);
    assert.equal(reqs[0].tools[0].name, 'weather');
    assert.deepEqual(reqs[0].tools[0].input_schema.required, ['city']);
    const [user, assistant, results] = reqs[1].messages;
    assert.equal(user.role, 'user');
    assert.deepEqual(assistant.content.map((b: any) => b.type), ['text', 'tool_use']);
    assert.equal(assistant.content[0].text, 'Let me check.');
    assert.deepEqual(assistant.content[1], { type: 'tool_use', id: 'toolu_a1', name: 'weather', input: { city: 'Rome' } });
    assert.equal(results.role, 'user');
    assert.equal(results.content[0].type, 'tool_result');
    assert.equal(results.content[0].tool_use_id, 'toolu_a1');
    const resultText = typeof results.content[0].content === 'string'
      ? results.content[0].content
      : results.content[0].content.map((c: any) => c.text).join('');
    assert.deepEqual(JSON.parse(resultText), { forecast: 'sunny in Rome', celsius: 21 });
  });
  /**
   * Anthropic extended thinking + a tool call, then the tool result: Anthropic requires the turn's thinking
   * block back, unmodified and with its signature, before the tool_use. `forceReasoning` makes the SDK send
   * `reasoning` for a model id it does not recognise as an OpenAI reasoning model.
   */
  async function thinkingToolRound(openaiOptions: Record<string, any>, streamed: boolean) {
    anthropic.enqueue(
      { kind: 'reply', reasoning: 'The user wants Rome; call weather.', reasoningSignature: 'U0lHLXJvbWU=', toolCalls: [{ id: 'toolu_t1', name: 'weather', arguments: '{"city":"Rome"}' }] },
      { kind: 'reply', text: 'Rome is sunny.' },
    );
    const w = weather();
    const from = anthropic.received.length;
    const args = {
      model: openai.responses('claude/claude-sonnet-4-5'),
      prompt: 'Weather in Rome?',
      tools: { weather: w.tool },
      stopWhen: stepCountIs(3),
      providerOptions: { openai: { forceReasoning: true, reasoningEffort: 'low', ...openaiOptions } },
      abortSignal: bounded(),
    };
    let text: string;
    if (streamed) {
      const result = streamText(args);
      for await (const p of result.fullStream) if (p.type === 'error') throw p.error;
      text = await result.text;
    } else {
      text = (await generateText(args)).text;
    }
    assert.equal(text, 'Rome is sunny.');
    assert.deepEqual(w.calls, [{ city: 'Rome' }]);
    const reqs = anthropic.received.slice(from).map((q) => q.body);
    assert.equal(reqs.length, 2);
    assert.equal(reqs[0].thinking.type, 'enabled');
    return { secondInput: sent.at(-1).input as any[], assistant: reqs[1].messages[1] };
  }

  test('Anthropic thinking + tool (store on, streamed): the SDK sends item_reference, the signed thinking block goes back', async () => {
    const { secondInput, assistant } = await thinkingToolRound({}, true);
    assert.deepEqual(secondInput.map((i) => i.type ?? 'message'), ['message', 'item_reference', 'function_call', 'function_call_output']);
    assert.match(secondInput[1].id, /^rs_/);
    assert.deepEqual(assistant.content[0], { type: 'thinking', thinking: 'The user wants Rome; call weather.', signature: 'U0lHLXJvbWU=' });
    assert.equal(assistant.content[1].type, 'tool_use');
  });

  test('Anthropic thinking + tool (store: false, reasoningSummary auto): the resent reasoning item restores the thinking block', async () => {
    const { secondInput, assistant } = await thinkingToolRound({ store: false, reasoningSummary: 'auto' }, false);
    assert.equal(sent.at(-1).store, false);
    assert.deepEqual(sent.at(-1).include, ['reasoning.encrypted_content']);
    const reasoning = secondInput.find((i) => i.type === 'reasoning');
    assert.match(reasoning.encrypted_content, /^sb:anthropic:/, 'opaque, tagged with the vendor that issued it');
    assert.deepEqual(reasoning.summary, [{ type: 'summary_text', text: 'The user wants Rome; call weather.' }]);
    assert.deepEqual(assistant.content[0], { type: 'thinking', thinking: 'The user wants Rome; call weather.', signature: 'U0lHLXJvbWU=' });
  });

  test('Anthropic thinking + tool (store: false, no reasoningSummary): the thinking text survives the round trip inside encrypted_content', async () => {
    const { secondInput, assistant } = await thinkingToolRound({ store: false }, false);
    const reasoning = secondInput.find((i) => i.type === 'reasoning');
    assert.match(reasoning.encrypted_content, /^sb:anthropic:/, 'opaque, tagged with the vendor that issued it');
    assert.deepEqual(assistant.content[0], { type: 'thinking', thinking: 'The user wants Rome; call weather.', signature: 'U0lHLXJvbWU=' });
  });

  test('no connection left loopback (no telemetry, no gateway, no downloads)', () => {
    assert.ok(connections.hosts.size > 0);
    for (const host of connections.hosts) assert.ok(LOOPBACK_HOSTS.includes(host), `connected to ${host}`);
  });
});
