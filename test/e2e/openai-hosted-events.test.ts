/**
 * Hosted tools run by an `openai`-kind upstream, end to end: the official `openai` SDK as the client,
 * Switchboard in between, the fake Responses upstream streaming web search, file search, code interpreter,
 * image generation and MCP calls, then an answer with url_citation / file_citation / container_file_citation /
 * file_path annotations (test/fakes/fake-responses-hosted.ts). Every upstream event must reach the client in
 * order, with Switchboard's sequence numbers, output indexes and item ids, and the annotations must survive
 * everywhere a Response or its items show up again: the terminal event, the JSON answer, GET, the replayed
 * stream, input_items, and the history sent upstream next turn.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type OpenAI from 'openai';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText } from 'ai';
import { startFakeResponses, type FakeResponses } from '../fakes/fake-responses.js';
import { HOSTED_ANSWER, planHostedTurn } from '../fakes/fake-responses-hosted.js';
import { readSse, startSwitchboard, type TestServer } from '../helpers/switchboard.js';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

type Json = Record<string, any>;

let fake: FakeResponses;
let sb: TestServer;
let client: OpenAI;

before(async () => {
  fake = await startFakeResponses();
  sb = await startSwitchboard({ providers: [{ name: 'openai', kind: 'openai', base_url: fake.baseUrl, api_key: 'sk-up', retry: { max: 0 } }] });
  client = sb.client();
});
after(async () => { await sb.close(); await fake.close(); });

const INCLUDE = ['web_search_call.action.sources', 'file_search_call.results', 'code_interpreter_call.outputs'];
const TOOLS = [
  { type: 'web_search' },
  { type: 'file_search', vector_store_ids: ['vs_1'] },
  { type: 'code_interpreter', container: { type: 'auto' } },
  { type: 'image_generation', partial_images: 2 },
  { type: 'mcp', server_label: 'deepwiki', server_url: 'https://mcp.deepwiki.com/mcp', require_approval: 'never' },
];
const request = (extra: Json = {}) => ({ model: 'openai/gpt-5', input: 'Research Switchboard', tools: TOOLS, include: INCLUDE, ...extra });

/** What the fake streams for this request (ids aside): the events Switchboard must relay, in order. */
const upstreamPlan = (mcpFails = false) => planHostedTurn({ kind: 'hosted', mcpFails }, { include: INCLUDE });

const HOSTED_EVENT_TYPES = [
  'response.web_search_call.in_progress', 'response.web_search_call.searching', 'response.web_search_call.completed',
  'response.file_search_call.in_progress', 'response.file_search_call.searching', 'response.file_search_call.completed',
  'response.code_interpreter_call.in_progress', 'response.code_interpreter_call_code.delta',
  'response.code_interpreter_call_code.done', 'response.code_interpreter_call.interpreting',
  'response.code_interpreter_call.completed', 'response.image_generation_call.in_progress',
  'response.image_generation_call.generating', 'response.image_generation_call.partial_image',
  'response.image_generation_call.completed', 'response.mcp_list_tools.in_progress', 'response.mcp_list_tools.completed',
  'response.mcp_call.in_progress', 'response.mcp_call_arguments.delta', 'response.mcp_call_arguments.done',
  'response.mcp_call.completed', 'response.output_text.annotation.added',
];

/** An event or item with the ids that differ between the fake's plan and the actual run taken out. */
function withoutIds(value: Json): Json {
  const { sequence_number: _s, item_id: _i, ...rest } = value;
  if (rest.item) {
    const { id: _id, container_id: _c, ...item } = rest.item;
    rest.item = item;
  }
  if (rest.annotation?.container_id) rest.annotation = { ...rest.annotation, container_id: 'cntr' };
  if (rest.part?.annotations) rest.part = { ...rest.part, annotations: rest.part.annotations.map(plainContainer) };
  if (rest.item?.content) rest.item.content = rest.item.content.map((p: Json) => (p.annotations ? { ...p, annotations: p.annotations.map(plainContainer) } : p));
  return rest;
}
const plainContainer = (a: Json) => (a.container_id ? { ...a, container_id: 'cntr' } : a);

/**
 * The one change Switchboard makes to an upstream item: every item carries a `status` (the Open Responses
 * spec's required item fields), so OpenAI's status-less `mcp_list_tools` gets `in_progress`, then `completed`
 * (or `failed` when it carries an error).
 */
function statusAdded(e: Json): Json {
  if (!e.item || typeof e.item.status === 'string') return e;
  const status = e.type === 'response.output_item.added' ? 'in_progress' : e.item.error ? 'failed' : 'completed';
  return { ...e, item: { ...e.item, status } };
}

/** The checks every Switchboard stream of this turn must pass; returns the terminal Response. */
function checkStream(events: Json[], opts: { mcpFails?: boolean; sdkHelper?: boolean } = {}): Json {
  assert.deepEqual(events.map((e) => e.sequence_number), events.map((_, i) => i), 'sequence numbers contiguous from 0');
  assert.deepEqual(events.slice(0, 2).map((e) => e.type), ['response.created', 'response.in_progress']);
  assert.equal(events.at(-1)!.type, 'response.completed');

  // Relayed in order and in full: the middle of the stream is the upstream's, ids and sequence numbers aside.
  const plan = upstreamPlan(opts.mcpFails);
  const middle = events.slice(2, -1);
  assert.deepEqual(middle.map((e) => e.type), plan.events.map((e) => e.type), 'the upstream event sequence, type by type');
  // (The SDK's stream() helper accumulates text into the added items and parts it hands out, by reference.)
  if (!opts.sdkHelper) assert.deepEqual(middle.map(withoutIds), plan.events.map(statusAdded).map(withoutIds), 'payloads relayed unchanged');

  // output_index / item_id consistency: each event names the item announced at its output_index, between
  // that item's added and done.
  const items: Json[] = [];
  const done = new Set<number>();
  for (const e of middle) {
    if (e.type === 'response.output_item.added') {
      assert.equal(e.output_index, items.length, 'output_index is the position');
      items.push(e.item);
      continue;
    }
    assert.ok(e.output_index < items.length && !done.has(e.output_index), `${e.type} inside its item's lifetime`);
    if (e.type === 'response.output_item.done') {
      assert.equal(e.item.id, items[e.output_index].id);
      done.add(e.output_index);
    } else {
      assert.equal(e.item_id, items[e.output_index].id, `${e.type} names the item at its output_index`);
    }
  }
  assert.equal(done.size, items.length);
  assert.match(items.at(-1)!.id, /^msg_/, "the message carries Switchboard's own id");

  // annotation.added: Switchboard's message id, content_index, annotation_index in order, spans of the text.
  const annotationEvents = middle.filter((e) => e.type === 'response.output_text.annotation.added');
  assert.deepEqual(annotationEvents.map((e) => e.annotation_index), [0, 1, 2, 3, 4]);
  for (const e of annotationEvents) assert.equal(e.content_index, 0);

  const response = events.at(-1)!.response;
  assert.equal(response.status, 'completed');
  assert.deepEqual(response.output.map((i: Json) => i.id), items.map((i) => i.id));
  checkAnnotatedMessage(response.output.at(-1));
  assert.deepEqual(annotationEvents.map((e) => e.annotation), response.output.at(-1).content[0].annotations);
  const textDone = middle.find((e) => e.type === 'response.output_text.done')!;
  assert.equal(textDone.text, HOSTED_ANSWER);
  const partDone = middle.find((e) => e.type === 'response.content_part.done')!;
  assert.deepEqual(partDone.part, response.output.at(-1).content[0]);
  const messageDone = middle.filter((e) => e.type === 'response.output_item.done').at(-1)!;
  assert.deepEqual(messageDone.item, response.output.at(-1));
  return response;
}

/** The final message: the answer with one annotation of each kind, each pointing at the text it cites. */
function checkAnnotatedMessage(message: Json) {
  assert.equal(message.type, 'message');
  assert.equal(message.content.length, 1);
  const part = message.content[0];
  assert.equal(part.type, 'output_text');
  assert.equal(part.text, HOSTED_ANSWER);
  assert.deepEqual(part.annotations.map((a: Json) => a.type), ['url_citation', 'url_citation', 'file_citation', 'container_file_citation', 'file_path']);
  const [web1, web2, file, containerFile, path] = part.annotations;
  assert.equal(HOSTED_ANSWER.slice(web1.start_index, web1.end_index), '[example.com]');
  assert.equal(web1.url, 'https://example.com/switchboard');
  assert.equal(web1.title, 'Switchboard');
  assert.equal(HOSTED_ANSWER.slice(web2.start_index, web2.end_index), '[example.org]');
  assert.equal(HOSTED_ANSWER.slice(0, file.index).endsWith('report.pdf'), true);
  assert.deepEqual([file.file_id, file.filename], ['file-report', 'report.pdf']);
  assert.equal(HOSTED_ANSWER.slice(containerFile.start_index, containerFile.end_index), 'chart.png');
  assert.match(containerFile.container_id, /^cntr_/);
  assert.equal(HOSTED_ANSWER.slice(0, path.index).endsWith('data.csv'), true);
}

function checkHostedItems(output: Json[]) {
  assert.deepEqual(output.map((i) => i.type), [
    'web_search_call', 'file_search_call', 'code_interpreter_call', 'image_generation_call', 'mcp_list_tools', 'mcp_call', 'message',
  ]);
  const [ws, fs, ci, ig, mcpl, mcp] = output;
  assert.match(ws.id, /^ws_/);
  assert.deepEqual(ws.action, {
    type: 'search', query: 'switchboard responses server',
    sources: [{ type: 'url', url: 'https://example.com/switchboard' }, { type: 'url', url: 'https://example.org/state' }],
  });
  assert.equal(ws.status, 'completed');
  assert.match(fs.id, /^fs_/);
  assert.deepEqual(fs.queries, ['switchboard state']);
  assert.equal(fs.results[0].filename, 'report.pdf');
  assert.match(ci.id, /^ci_/);
  assert.equal(ci.code, 'import math\nprint(math.sqrt(2))');
  assert.deepEqual(ci.outputs.map((o: Json) => o.type), ['logs', 'image']);
  assert.match(ig.id, /^ig_/);
  assert.equal(Buffer.from(ig.result, 'base64').toString(), 'final image bytes');
  assert.match(mcpl.id, /^mcpl_/);
  assert.deepEqual(mcpl.tools.map((t: Json) => t.name), ['ask_question']);
  assert.match(mcp.id, /^mcp_/);
  assert.equal(mcp.arguments, '{"question":"What does Switchboard store?"}');
  assert.equal(mcp.output, 'Responses, items and events.');
}

async function streamRaw(body: Json): Promise<Json[]> {
  const res = await sb.post('/v1/responses', { ...body, stream: true });
  assert.equal(res.status, 200);
  const frames = await readSse(res);
  assert.equal(frames.at(-1)!.data, '[DONE]');
  for (const f of frames.slice(0, -1)) assert.equal(f.event, f.data.type);
  return frames.slice(0, -1).map((f) => f.data);
}

describe('hosted tools from an openai upstream', () => {
  test('stream: true relays every hosted-tool event and annotation in order, with Switchboard numbering', async () => {
    fake.enqueue({ kind: 'hosted' });
    const events = await streamRaw(request());
    const types = new Set(events.map((e) => e.type));
    for (const t of HOSTED_EVENT_TYPES) assert.ok(types.has(t), `${t} relayed`);
    const response = checkStream(events);
    checkHostedItems(response.output);
  });

  test('failed MCP listing and call: their .failed events and errors are relayed', async () => {
    fake.enqueue({ kind: 'hosted', mcpFails: true });
    const events = await streamRaw(request());
    const types = events.map((e) => e.type);
    assert.ok(types.includes('response.mcp_list_tools.failed') && types.includes('response.mcp_call.failed'));
    assert.ok(!types.includes('response.mcp_list_tools.completed') && !types.includes('response.mcp_call.completed'));
    const response = checkStream(events, { mcpFails: true });
    const mcp = response.output.find((i: Json) => i.type === 'mcp_call');
    assert.equal(mcp.status, 'failed');
    assert.equal(mcp.error, 'Tool call failed');
  });

  test("the SDK's strict responses.stream() helper accepts the relayed stream and assembles the annotated answer", async () => {
    fake.enqueue({ kind: 'hosted' });
    const stream = client.responses.stream(request() as any);
    const seen: Json[] = [];
    const annotations: Json[] = [];
    stream.on('response.output_text.annotation.added', (e) => annotations.push(e.annotation as Json));
    for await (const event of stream) seen.push(event);
    const final = await stream.finalResponse();
    checkStream(seen, { sdkHelper: true });
    assert.equal(annotations.length, 5);
    checkHostedItems(final.output as Json[]);
    checkAnnotatedMessage(final.output.at(-1) as Json);
  });

  test('the SDK with stream: true sees the same events', async () => {
    fake.enqueue({ kind: 'hosted' });
    const seen: Json[] = [];
    const stream = await client.responses.create({ ...(request() as OpenAI.Responses.ResponseCreateParamsNonStreaming), stream: true });
    for await (const event of stream) seen.push(event as Json);
    checkStream(seen);
  });

  test('annotations and hosted items survive the JSON answer, GET, the replayed stream, input_items and the next turn', async () => {
    // Streamed, so that it has an event log to replay.
    fake.enqueue({ kind: 'hosted' });
    const events = await streamRaw(request());
    const first = checkStream(events);

    const got = await client.responses.retrieve(first.id);
    assert.deepEqual(got.output, first.output, 'GET gives the output that was streamed');
    checkAnnotatedMessage(got.output.at(-1) as Json);

    const replay = (await readSse(await fetch(`${sb.url}/v1/responses/${first.id}?stream=true`))).slice(0, -1).map((f) => f.data);
    assert.deepEqual(replay, events, 'the replayed stream is the stream that was sent');

    // The next turn: the fake checks every annotation and hosted item against OpenAI's input schema.
    fake.enqueue({ kind: 'reply', text: 'Noted.' });
    const second = await client.responses.create({ model: 'openai/gpt-5', previous_response_id: first.id, input: 'Thanks', tools: TOOLS as any });
    assert.equal(second.status, 'completed');
    const sent = fake.received.at(-1)!.body.input as Json[];
    assert.deepEqual(sent.map((i) => i.type), [
      'message', 'web_search_call', 'file_search_call', 'code_interpreter_call', 'image_generation_call', 'mcp_list_tools', 'mcp_call', 'message', 'message',
    ]);
    const stored = first.output as Json[];
    for (const [k, item] of stored.slice(0, 6).entries()) {
      assert.deepEqual(sent[k + 1], item, `${item.type} sent back whole, with OpenAI's own id`);
    }
    const { id: _id, ...answer } = stored[6];
    assert.deepEqual(sent[7], answer, 'the annotated answer sent back with its annotations (and no Switchboard id)');
    assert.equal(sent[7].content[0].annotations.length, 5);
  });

  test('a non-streamed create keeps the hosted items and annotations (the adapter streams upstream regardless)', async () => {
    fake.enqueue({ kind: 'hosted' });
    const r = await client.responses.create(request() as any);
    assert.equal(fake.received.at(-1)!.body.stream, true, 'upstream is always streamed');
    assert.equal(r.status, 'completed');
    checkHostedItems(r.output as Json[]);
    checkAnnotatedMessage(r.output.at(-1) as Json);
    assert.equal(r.output_text, HOSTED_ANSWER);
    const got = await client.responses.retrieve(r.id);
    assert.deepEqual(got.output, r.output);
  });

  test('history a client resends itself keeps its hosted items and annotations: stored as input items, sent to OpenAI', async () => {
    fake.enqueue({ kind: 'hosted' });
    const first = await client.responses.create({ ...request(), store: false } as any);
    fake.enqueue({ kind: 'reply', text: 'Again.' });
    const history = [{ role: 'user', content: 'Research Switchboard' }, ...first.output, { role: 'user', content: 'More' }];
    const second = await client.responses.create({ model: 'openai/gpt-5', input: history as any, tools: TOOLS as any });
    assert.equal(second.status, 'completed');
    const sent = fake.received.at(-1)!.body.input as Json[];
    assert.deepEqual(sent.slice(1, 7), first.output.slice(0, 6));
    assert.deepEqual(sent[7].content, (first.output[6] as Json).content);

    const listed: Json[] = [];
    for await (const item of client.responses.inputItems.list(second.id, { order: 'asc' })) listed.push(item as Json);
    assert.equal(listed.length, 9);
    assert.deepEqual(listed.slice(1, 7), first.output.slice(0, 6), 'hosted items stored as sent');
    checkAnnotatedMessage(listed[7]);
    assert.deepEqual(listed[7].content, (first.output[6] as Json).content);
  });

  test('the Vercel AI SDK (zod-checked stream chunks) reads the relayed stream: hosted calls and every citation as a source', async () => {
    const openai = createOpenAI({ baseURL: `${sb.url}/v1`, apiKey: 'x' });
    const expected = [
      ['url', 'https://example.com/switchboard'], ['url', 'https://example.org/state'],
      ['document', 'report.pdf'], ['document', 'chart.png'], ['document', 'cfile-data'],
    ];
    const describe = (s: Json) => [s.sourceType, s.sourceType === 'url' ? s.url : s.filename];
    // (Cast: @ai-sdk/openai's provider-tool type does not line up with `ai`'s ToolSet under this TypeScript.)
    const tools = { web_search: openai.tools.webSearch({}) } as unknown as Parameters<typeof generateText>[0]['tools'];

    fake.enqueue({ kind: 'hosted' });
    const streamed = streamText({
      model: openai.responses('openai/gpt-5'), prompt: 'Research Switchboard', tools,
      abortSignal: AbortSignal.timeout(10_000),
    });
    const parts: Json[] = [];
    for await (const part of streamed.fullStream) parts.push(part as Json);
    assert.equal(parts.filter((p) => p.type === 'error').length, 0, 'no chunk failed the SDK schema');
    assert.deepEqual((await streamed.sources).map(describe), expected);
    assert.equal(await streamed.text, HOSTED_ANSWER);
    assert.ok(parts.some((p) => p.type === 'tool-result' && p.toolName === 'web_search'), 'the web search surfaced as a provider tool result');

    fake.enqueue({ kind: 'hosted' });
    const generated = await generateText({
      model: openai.responses('openai/gpt-5'), prompt: 'Research Switchboard', tools,
      abortSignal: AbortSignal.timeout(10_000),
    });
    assert.deepEqual(generated.sources.map(describe), expected);
  });

  test("checklist: every event type of the openai package's ResponseStreamEvent union reaches the client", async () => {
    // Hosted tools, then every item kind the builder makes itself, then audio (events about no item).
    const hosted = upstreamPlan().events;
    const at = (i: number) => ({ output_index: i });
    const rs = { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'plan' }], content: [{ type: 'reasoning_text', text: 'think' }], encrypted_content: 'gAAAAAB' };
    const refusal = { id: 'msg_r', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'refusal', refusal: 'No.' }] };
    const fc = { id: 'fc_1', type: 'function_call', status: 'completed', call_id: 'call_1', name: 'f', arguments: '{}' };
    const ctc = { id: 'ctc_1', type: 'custom_tool_call', status: 'completed', call_id: 'call_2', name: 'patch', input: 'x' };
    const ref = (id: string, i: number) => ({ item_id: id, output_index: i });
    fake.enqueue({
      kind: 'events',
      events: [
        ...hosted,
        { type: 'response.output_item.added', ...at(7), item: { id: 'rs_1', type: 'reasoning', summary: [] } },
        { type: 'response.reasoning_summary_part.added', ...ref('rs_1', 7), summary_index: 0, part: { type: 'summary_text', text: '' } },
        { type: 'response.reasoning_summary_text.delta', ...ref('rs_1', 7), summary_index: 0, delta: 'plan' },
        { type: 'response.reasoning_summary_text.done', ...ref('rs_1', 7), summary_index: 0, text: 'plan' },
        { type: 'response.reasoning_summary_part.done', ...ref('rs_1', 7), summary_index: 0, part: { type: 'summary_text', text: 'plan' } },
        { type: 'response.content_part.added', ...ref('rs_1', 7), content_index: 0, part: { type: 'reasoning_text', text: '' } },
        { type: 'response.reasoning_text.delta', ...ref('rs_1', 7), content_index: 0, delta: 'think' },
        { type: 'response.reasoning_text.done', ...ref('rs_1', 7), content_index: 0, text: 'think' },
        { type: 'response.content_part.done', ...ref('rs_1', 7), content_index: 0, part: { type: 'reasoning_text', text: 'think' } },
        { type: 'response.output_item.done', ...at(7), item: rs },
        { type: 'response.output_item.added', ...at(8), item: { ...refusal, status: 'in_progress', content: [] } },
        { type: 'response.content_part.added', ...ref('msg_r', 8), content_index: 0, part: { type: 'refusal', refusal: '' } },
        { type: 'response.refusal.delta', ...ref('msg_r', 8), content_index: 0, delta: 'No.' },
        { type: 'response.refusal.done', ...ref('msg_r', 8), content_index: 0, refusal: 'No.' },
        { type: 'response.content_part.done', ...ref('msg_r', 8), content_index: 0, part: { type: 'refusal', refusal: 'No.' } },
        { type: 'response.output_item.done', ...at(8), item: refusal },
        { type: 'response.output_item.added', ...at(9), item: { ...fc, status: 'in_progress', arguments: '' } },
        { type: 'response.function_call_arguments.delta', ...ref('fc_1', 9), delta: '{}' },
        { type: 'response.function_call_arguments.done', ...ref('fc_1', 9), name: 'f', arguments: '{}' },
        { type: 'response.output_item.done', ...at(9), item: fc },
        { type: 'response.output_item.added', ...at(10), item: { ...ctc, status: 'in_progress', input: '' } },
        { type: 'response.custom_tool_call_input.delta', ...ref('ctc_1', 10), delta: 'x' },
        { type: 'response.custom_tool_call_input.done', ...ref('ctc_1', 10), input: 'x' },
        { type: 'response.output_item.done', ...at(10), item: ctc },
        // the failing MCP listing and call, as items 11 and 12
        ...upstreamPlan(true).events.filter((e) => e.output_index === 4 || e.output_index === 5).map((e) => ({ ...e, output_index: e.output_index + 7 })),
        { type: 'response.audio.transcript.delta', delta: 'hi' },
        { type: 'response.audio.transcript.done' },
        { type: 'response.audio.delta', delta: 'AAAA' },
        { type: 'response.audio.done' },
      ],
    });
    const events = await streamRaw({ ...request(), tools: [...TOOLS, { type: 'function', name: 'f', parameters: { type: 'object' } }, { type: 'custom', name: 'patch' }] });
    assert.deepEqual(events.map((e) => e.sequence_number), events.map((_, i) => i));
    const seen = new Set(events.map((e) => e.type));

    // Not in this stream, by design: a queued response (background mode, not implemented) and the other endings
    // (`error`, `response.failed`, `response.incomplete`: each tested where the response fails or is cut short).
    const elsewhere = new Set(['response.queued', 'error', 'response.failed', 'response.incomplete']);
    const union = streamEventTypes();
    assert.ok(union.length >= 50, `read the union (${union.length} types)`);
    const missing = union.filter((t) => !seen.has(t) && !elsewhere.has(t));
    assert.deepEqual(missing, [], 'every other event type of the union was relayed or made by the builder');
  });
});

/** The `type` literal of every member of `ResponseStreamEvent` in the installed openai package's types. */
function streamEventTypes(): string[] {
  const root = dirname(createRequire(import.meta.url).resolve('openai'));
  const dts = readFileSync(join(root, 'resources/responses/responses.d.ts'), 'utf8');
  const union = /export type ResponseStreamEvent = ([^;]+);/.exec(dts)![1].split('|').map((n) => n.trim());
  return union.map((name) => {
    const body = new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`).exec(dts)![1];
    return /\btype: '([^']+)'/.exec(body.replace(/\/\*\*[\s\S]*?\*\//g, ''))![1];
  });
}
