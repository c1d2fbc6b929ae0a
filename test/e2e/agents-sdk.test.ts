/**
 * End to end with the OpenAI Agents SDK (`@openai/agents`, Responses API model) as the client: an Agent with
 * a function tool, run through Switchboard in front of fake Chat-Completions and Anthropic upstreams. The
 * SDK is pointed at Switchboard with a default OpenAI client (base URL changed, nothing else); tracing is off
 * so nothing leaves loopback (every TCP connection is recorded and checked). The client's `fetch` records the
 * request bodies it sent.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import {
  Agent,
  OpenAIResponsesModel,
  run,
  setDefaultOpenAIClient,
  setOpenAIAPI,
  setTracingDisabled,
  tool,
} from '@openai/agents';
import { z } from 'zod';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import type { TestServer } from '../helpers/switchboard.js';
import { LOOPBACK_HOSTS, type ConnectionRecorder } from '../helpers/connection-recorder.js';
import { startSdkHarness, type SdkHarness } from '../helpers/sdk-harness.js';

setTracingDisabled(true);
setOpenAIAPI('responses');

let harness: SdkHarness;
let chat: FakeUpstream;
let anthropic: FakeUpstream;
let sb: TestServer;
/**
 * The same `openai` package at run time, but @openai/agents 0.9 declares its types only through a CommonJS
 * `index.d.ts`, so under NodeNext TypeScript sees its `OpenAI` (require flavour) and ours (import flavour) as two
 * classes. Hence one cast to the type the SDK names.
 */
type AgentsOpenAI = Parameters<typeof setDefaultOpenAIClient>[0];
let client: AgentsOpenAI;
/** Parsed bodies the SDK POSTed to Switchboard, newest last. */
let sent: any[];
/** Every host a TCP connection was opened to in this process: all must be loopback. */
let connections: ConnectionRecorder;

before(async () => {
  harness = await startSdkHarness();
  ({ chat, anthropic, sb, sent, connections } = harness);
  client = new OpenAI({
    baseURL: `${sb.url}/v1`,
    apiKey: 'x',
    maxRetries: 0,
    timeout: 10_000,
    fetch: harness.fetch,
  }) as unknown as AgentsOpenAI;
  setDefaultOpenAIClient(client);
});
after(() => harness.close());

function weatherAgent(model: string | OpenAIResponsesModel, modelSettings: Record<string, unknown> = {}) {
  const calls: unknown[] = [];
  const weather = tool({
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: z.object({ city: z.string() }),
    execute: async ({ city }) => {
      calls.push(city);
      return `The weather in ${city} is 21C and sunny.`;
    },
  });
  const agent = new Agent({
    name: 'Weather bot',
    instructions: 'You answer weather questions with the tool.',
    model,
    modelSettings,
    tools: [weather],
  });
  return { agent, calls };
}

/** The chat-completions requests made since `from`. */
const chatSince = (from: number) => chat.received.slice(from).map((r) => r.body);

describe('OpenAI Agents SDK against Switchboard', { timeout: 60_000 }, () => {
  test('run(): tool call, tool runs, its result reaches the upstream, final output', async () => {
    chat.enqueue(
      { kind: 'reply', toolCalls: [{ id: 'call_a1', name: 'get_weather', arguments: '{"city":"Paris"}' }], usage: { input: 20, output: 6 } },
      { kind: 'reply', text: 'Paris: 21C and sunny.', usage: { input: 40, output: 8 } },
    );
    const from = chat.received.length;
    const { agent, calls } = weatherAgent('vllm/m');
    const result = await run(agent, 'What is the weather in Paris?', { maxTurns: 4, signal: AbortSignal.timeout(10_000) });
    assert.equal(result.finalOutput, 'Paris: 21C and sunny.');
    assert.deepEqual(calls, ['Paris']);
    assert.equal(result.state.usage.inputTokens, 60);
    assert.equal(result.state.usage.outputTokens, 14);
    assert.equal(result.state.usage.requests, 2);
    const kinds = result.newItems.map((i) => i.type);
    assert.deepEqual(kinds, ['tool_call_item', 'tool_call_output_item', 'message_output_item']);

    const [first, second] = chatSince(from);
    assert.equal(chat.received.length - from, 2);
    assert.deepEqual(first.messages[0], { role: 'system', content: 'You answer weather questions with the tool.' });
    assert.equal(first.tools[0].function.name, 'get_weather');
    assert.deepEqual(first.tools[0].function.parameters.required, ['city']);
    const assistant = second.messages.find((m: any) => m.role === 'assistant');
    assert.deepEqual(assistant.tool_calls, [{ id: 'call_a1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
    assert.deepEqual(second.messages.at(-1), { role: 'tool', tool_call_id: 'call_a1', content: 'The weather in Paris is 21C and sunny.' });
    // the instructions are re-sent on every turn (they are not carried by the history)
    assert.deepEqual(second.messages[0], { role: 'system', content: 'You answer weather questions with the tool.' });
  });

  test('run(..., { stream: true }): text deltas, tool call and final output', async () => {
    chat.enqueue(
      { kind: 'reply', toolCalls: [{ id: 'call_s1', name: 'get_weather', arguments: '{"city":"Oslo"}' }], chunkSize: 3 },
      { kind: 'reply', text: 'Oslo is sunny today.', chunkSize: 3 },
    );
    const from = chat.received.length;
    const { agent, calls } = weatherAgent('vllm/m');
    const stream = await run(agent, 'Weather in Oslo?', { stream: true, maxTurns: 4, signal: AbortSignal.timeout(10_000) });
    const deltas: string[] = [];
    const runItems: string[] = [];
    for await (const ev of stream) {
      if (ev.type === 'raw_model_stream_event' && ev.data.type === 'output_text_delta') deltas.push(ev.data.delta);
      if (ev.type === 'run_item_stream_event') runItems.push(ev.name);
    }
    await stream.completed;
    assert.equal(stream.error, null);
    assert.equal(stream.finalOutput, 'Oslo is sunny today.');
    assert.ok(deltas.length > 1, `several text deltas, got ${JSON.stringify(deltas)}`);
    assert.equal(deltas.join(''), 'Oslo is sunny today.');
    assert.deepEqual(calls, ['Oslo']);
    assert.deepEqual(runItems, ['tool_called', 'tool_output', 'message_output_created']);
    assert.equal(sent.at(-1).stream, true);
    const second = chatSince(from)[1];
    assert.equal(second.messages.find((m: any) => m.role === 'assistant').tool_calls[0].id, 'call_s1');
    assert.deepEqual(second.messages.at(-1), { role: 'tool', tool_call_id: 'call_s1', content: 'The weather in Oslo is 21C and sunny.' });
  });

  test('an explicit OpenAIResponsesModel and previousResponseId chaining across runs', async () => {
    const model = new OpenAIResponsesModel(client, 'vllm/m');
    const agent = new Agent({ name: 'Echo', instructions: 'Be brief.', model });
    const first = await run(agent, 'remember 7', { signal: AbortSignal.timeout(10_000) });
    assert.equal(first.finalOutput, 'echo: remember 7');
    assert.match(first.lastResponseId!, /^resp_/);
    const second = await run(agent, 'which number?', { previousResponseId: first.lastResponseId, signal: AbortSignal.timeout(10_000) });
    assert.equal(second.finalOutput, 'echo: which number?');
    assert.equal(sent.at(-1).previous_response_id, first.lastResponseId);
    assert.deepEqual(chat.received.at(-1)!.body.messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'remember 7' },
      { role: 'assistant', content: 'echo: remember 7' },
      { role: 'user', content: 'which number?' },
    ]);
  });

  test('Anthropic upstream: the agent loop with a tool call', async () => {
    anthropic.enqueue(
      { kind: 'reply', text: 'Checking.', toolCalls: [{ id: 'toolu_g1', name: 'get_weather', arguments: '{"city":"Rome"}' }] },
      { kind: 'reply', text: 'Rome: 21C and sunny.' },
    );
    const from = anthropic.received.length;
    const { agent, calls } = weatherAgent('claude/claude-sonnet-4-5');
    const result = await run(agent, 'Weather in Rome?', { maxTurns: 4, signal: AbortSignal.timeout(10_000) });
    assert.equal(result.finalOutput, 'Rome: 21C and sunny.');
    assert.deepEqual(calls, ['Rome']);
    const reqs = anthropic.received.slice(from).map((r) => r.body);
    assert.equal(reqs.length, 2);
    assert.deepEqual(reqs[0].system, [{ type: 'text', text: 'You answer weather questions with the tool.' }]);
    assert.equal(reqs[0].tools[0].name, 'get_weather');
    const [, assistant, results] = reqs[1].messages;
    assert.deepEqual(assistant.content.map((b: any) => b.type), ['text', 'tool_use']);
    assert.deepEqual(assistant.content[1], { type: 'tool_use', id: 'toolu_g1', name: 'get_weather', input: { city: 'Rome' } });
    assert.equal(results.content[0].type, 'tool_result');
    assert.equal(results.content[0].tool_use_id, 'toolu_g1');
    const text = typeof results.content[0].content === 'string'
      ? results.content[0].content
      : results.content[0].content.map((c: any) => c.text).join('');
    assert.equal(text, 'The weather in Rome is 21C and sunny.');
  });
  test('outputType (zod) goes out as text.format json_schema and comes back parsed', async () => {
    chat.enqueue({ kind: 'reply', text: '{"city":"Lima","celsius":19}' });
    const agent = new Agent({
      name: 'Structured',
      instructions: 'Answer as JSON.',
      model: 'vllm/m',
      outputType: z.object({ city: z.string(), celsius: z.number() }),
    });
    const result = await run(agent, 'Weather in Lima as JSON', { signal: AbortSignal.timeout(10_000) });
    assert.deepEqual(result.finalOutput, { city: 'Lima', celsius: 19 });
    assert.equal(sent.at(-1).text.format.type, 'json_schema');
    assert.equal(sent.at(-1).text.format.strict, true);
    const rf = chat.received.at(-1)!.body.response_format;
    assert.equal(rf.type, 'json_schema');
    assert.deepEqual(rf.json_schema.schema.required, ['city', 'celsius']);
  });

  /**
   * Anthropic extended thinking + a tool call. The Agents SDK keeps history client-side and resends every
   * output item by its id; Anthropic needs the turn's signed thinking block back before the tool_use.
   */
  async function thinkingToolRun(modelSettings: Record<string, unknown>, stream: boolean) {
    anthropic.enqueue(
      { kind: 'reply', reasoning: 'Rome asked; call the tool.', reasoningSignature: 'U0lHLWFnZW50', toolCalls: [{ id: 'toolu_r1', name: 'get_weather', arguments: '{"city":"Rome"}' }] },
      { kind: 'reply', text: 'Rome: sunny.' },
    );
    const from = anthropic.received.length;
    const { agent, calls } = weatherAgent('claude/claude-sonnet-4-5', { reasoning: { effort: 'low' }, ...modelSettings });
    let output: unknown;
    if (stream) {
      const s = await run(agent, 'Weather in Rome?', { stream: true, maxTurns: 4, signal: AbortSignal.timeout(10_000) });
      for await (const _ of s) { /* drain */ }
      await s.completed;
      output = s.finalOutput;
    } else {
      output = (await run(agent, 'Weather in Rome?', { maxTurns: 4, signal: AbortSignal.timeout(10_000) })).finalOutput;
    }
    assert.equal(output, 'Rome: sunny.');
    assert.deepEqual(calls, ['Rome']);
    const reqs = anthropic.received.slice(from).map((r) => r.body);
    assert.equal(reqs.length, 2);
    assert.equal(reqs[0].thinking.type, 'enabled');
    return { secondInput: sent.at(-1).input as any[], assistant: reqs[1].messages[1] };
  }

  test('Anthropic thinking + tool, store: false + include encrypted_content (streamed): the signed thinking block goes back', async () => {
    const { secondInput, assistant } = await thinkingToolRun({ store: false, providerData: { include: ['reasoning.encrypted_content'] } }, true);
    const reasoning = secondInput.find((i) => i.type === 'reasoning');
    assert.match(reasoning.encrypted_content, /^sb:anthropic:/, 'opaque, tagged with the vendor that issued it');
    assert.deepEqual(assistant.content[0], { type: 'thinking', thinking: 'Rome asked; call the tool.', signature: 'U0lHLWFnZW50' });
    assert.equal(assistant.content[1].type, 'tool_use');
  });

  test('Anthropic thinking + tool with the default settings (store on): the stored signature is used', async () => {
    const { secondInput, assistant } = await thinkingToolRun({}, false);
    const reasoning = secondInput.find((i) => i.type === 'reasoning');
    assert.match(reasoning.id, /^rs_/);
    assert.equal(reasoning.encrypted_content, undefined);
    assert.deepEqual(assistant.content[0], { type: 'thinking', thinking: 'Rome asked; call the tool.', signature: 'U0lHLWFnZW50' });
  });

  test('no connection left loopback (tracing disabled, no exporter)', () => {
    assert.ok(connections.hosts.size > 0);
    for (const host of connections.hosts) assert.ok(LOOPBACK_HOSTS.includes(host), `connected to ${host}`);
  });
});
