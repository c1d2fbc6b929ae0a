import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseBuilder, type StreamEvent } from '../../src/engine/response-builder.js';
import { initialResponse } from '../../src/api/response-object.js';
import type { ModelEvent } from '../../src/providers/types.js';

function build(events: ModelEvent[], opts: { includeEncrypted?: boolean; maxToolCalls?: number | null } = {}) {
  const out: StreamEvent[] = [];
  const b = new ResponseBuilder(initialResponse('resp_1', 'p/m', { model: 'p/m' }, 1), (e) => out.push(e), {
    includeEncrypted: opts.includeEncrypted ?? false, maxToolCalls: opts.maxToolCalls ?? null,
  });
  b.start();
  for (const e of events) b.apply(e);
  const response = b.finish();
  return { out, response, types: out.map((e) => e.type) };
}

test('text: exact semantic order and sequence numbers from 0', () => {
  const { out, types, response } = build([
    { type: 'text-delta', delta: 'Hel' }, { type: 'text-delta', delta: 'lo' },
    { type: 'usage', usage: { inputTokens: 3, outputTokens: 2 } }, { type: 'finish', reason: 'stop' },
  ]);
  assert.deepEqual(types, [
    'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
    'response.output_text.delta', 'response.output_text.delta', 'response.output_text.done',
    'response.content_part.done', 'response.output_item.done', 'response.completed',
  ]);
  assert.deepEqual(out.map((e) => e.sequence_number), out.map((_, i) => i));
  assert.equal(response.status, 'completed');
  assert.equal((response.output[0] as any).content[0].text, 'Hello');
  assert.deepEqual(response.usage, {
    input_tokens: 3, input_tokens_details: { cached_tokens: 0 }, output_tokens: 2,
    output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 5,
  });
  assert.equal(typeof response.completed_at, 'number');
});

test('reasoning, then parallel tool calls: one output_index per item, signature kept, hidden unless included', () => {
  const events: ModelEvent[] = [
    { type: 'reasoning-summary-delta', delta: 'thinking' },
    { type: 'reasoning-signature', signature: 'sig-1' },
    { type: 'tool-call-start', callId: 'call_a', name: 'get_weather' },
    { type: 'tool-call-delta', callId: 'call_a', delta: '{"city":' },
    { type: 'tool-call-start', callId: 'call_b', name: 'get_time' },
    { type: 'tool-call-delta', callId: 'call_a', delta: '"Paris"}' },
    { type: 'tool-call-end', callId: 'call_b', arguments: '{}' },
    { type: 'finish', reason: 'tool_calls' },
  ];
  const { out, response } = build(events);
  const added = out.filter((e) => e.type === 'response.output_item.added');
  assert.deepEqual(added.map((e) => [e.output_index, (e.item as any).type]), [[0, 'reasoning'], [1, 'function_call'], [2, 'function_call']]);
  const argDeltas = out.filter((e) => e.type === 'response.function_call_arguments.delta');
  assert.deepEqual(argDeltas.map((e) => [e.output_index, e.delta]), [[1, '{"city":'], [1, '"Paris"}'], [2, '{}']]);
  const doneItems = out.filter((e) => e.type === 'response.output_item.done').map((e) => e.item as any);
  assert.equal(doneItems[0].encrypted_content, undefined, 'encrypted_content hidden without include');
  assert.equal((response.output[0] as any).encrypted_content, 'sig-1', 'kept internally for the store');
  assert.equal((response.output[1] as any).arguments, '{"city":"Paris"}');
  assert.equal((response.output[1] as any).call_id, 'call_a');
  // every item's done comes after its added, and nothing follows the terminal event
  assert.equal(out.at(-1)!.type, 'response.completed');
  const shown = build(events, { includeEncrypted: true }).out.filter((e) => e.type === 'response.output_item.done')[0];
  assert.equal((shown.item as any).encrypted_content, 'sig-1');
});

test('length finish → incomplete with max_output_tokens; refusal part events', () => {
  const { types, response } = build([{ type: 'refusal-delta', delta: 'No.' }, { type: 'finish', reason: 'length' }]);
  assert.ok(types.includes('response.refusal.delta') && types.includes('response.refusal.done'));
  assert.equal(types.at(-1), 'response.incomplete');
  assert.equal(response.status, 'incomplete');
  assert.deepEqual(response.incomplete_details, { reason: 'max_output_tokens' });
  assert.equal((response.output[0] as any).status, 'incomplete');
});

test('reasoning_text deltas get a content part; custom tool calls become custom_tool_call items', () => {
  const { out, response } = build([
    { type: 'reasoning-delta', delta: 'a' }, { type: 'reasoning-end' },
    { type: 'tool-call-start', callId: 'c1', name: 'apply_patch', kind: 'custom' },
    { type: 'tool-call-end', callId: 'c1', arguments: '*** Begin Patch' },
    { type: 'finish', reason: 'tool_calls' },
  ]);
  assert.ok(out.some((e) => e.type === 'response.content_part.added' && (e.part as any).type === 'reasoning_text'));
  assert.ok(out.some((e) => e.type === 'response.reasoning_text.done' && e.text === 'a'));
  assert.equal((response.output[1] as any).type, 'custom_tool_call');
  assert.equal((response.output[1] as any).input, '*** Begin Patch');
  assert.ok(out.some((e) => e.type === 'response.custom_tool_call_input.done'));
});

test('max_tool_calls: calls beyond the limit are ignored, as OpenAI documents', () => {
  const { response } = build([
    { type: 'tool-call-start', callId: 'a', name: 'f' }, { type: 'tool-call-end', callId: 'a', arguments: '{}' },
    { type: 'tool-call-start', callId: 'b', name: 'f' }, { type: 'tool-call-delta', callId: 'b', delta: '{}' },
    { type: 'tool-call-end', callId: 'b' }, { type: 'finish', reason: 'tool_calls' },
  ], { maxToolCalls: 1 });
  assert.equal(response.output.length, 1);
});

test('fail mid-stream keeps partial output as incomplete and emits response.failed', () => {
  const out: StreamEvent[] = [];
  const b = new ResponseBuilder(initialResponse('resp_1', 'p/m', { model: 'p/m' }, 1), (e) => out.push(e), { includeEncrypted: false, maxToolCalls: null });
  b.start();
  b.apply({ type: 'text-delta', delta: 'part' });
  const r = b.fail('upstream_error', 'boom');
  assert.equal(r.status, 'failed');
  assert.deepEqual(r.error, { code: 'upstream_error', message: 'boom' });
  assert.equal(out.at(-1)!.type, 'response.failed');
  assert.equal(out.at(-2)!.type, 'response.output_item.done');
  assert.equal((r.output[0] as any).content[0].text, 'part');
});

test('without a sink (a response nobody streams) the builder builds the same Response and no events', () => {
  const events: ModelEvent[] = [
    { type: 'reasoning-summary-delta', delta: 'thinking' }, { type: 'reasoning-signature', signature: 'sig' }, { type: 'reasoning-end' },
    { type: 'text-delta', delta: 'Hi ' }, { type: 'refusal-delta', delta: 'no' },
    { type: 'tool-call-start', callId: 'c1', name: 'f' }, { type: 'tool-call-delta', callId: 'c1', delta: '{"a":' },
    { type: 'tool-call-start', callId: 'c2', name: 'g' }, { type: 'tool-call-delta', callId: 'c2', delta: '{}' },
    { type: 'tool-call-delta', callId: 'c1', delta: '1}' },
    { type: 'usage', usage: { inputTokens: 3, outputTokens: 9 } }, { type: 'finish', reason: 'tool_calls' },
  ];
  const run = (sink: ((e: StreamEvent) => void) | null) => {
    const b = new ResponseBuilder(initialResponse('resp_1', 'p/m', { model: 'p/m' }, 1), sink, { includeEncrypted: false, maxToolCalls: null, providerKind: 'openai-chat' });
    b.start();
    for (const e of events) b.apply(e);
    return b.finish();
  };
  const seen: StreamEvent[] = [];
  const streamed = run((e) => seen.push(e));
  const quiet = run(null);
  assert.ok(seen.length > 10);
  // Ids are random; everything else must match.
  const ids = (r: typeof streamed) => JSON.stringify(r).replace(/"(msg|rs|fc)_[0-9a-f]+"/g, '"id"').replace(/"completed_at":\d+/, '');
  assert.equal(ids(quiet), ids(streamed));
  assert.equal(quiet.output.length, 4);
});

test('hosted items: positioned at their start, progress relayed with Switchboard numbering, final shape at done', () => {
  const ws = { id: 'ws_1', type: 'web_search_call', status: 'completed', action: { type: 'search', query: 'q' } };
  const { out, response } = build([
    { type: 'reasoning-summary-delta', delta: 'plan' },
    { type: 'hosted-item-start', key: 'ws_1', item: { id: 'ws_1', type: 'web_search_call', status: 'in_progress' } },
    { type: 'hosted-item-event', key: 'ws_1', name: 'web_search_call.searching', fields: { type: 'spoof', sequence_number: 99, extra: 1 } },
    { type: 'hosted-item-done', key: 'ws_1', item: ws },
    { type: 'hosted-item-start', key: '#2', item: { type: 'image_generation_call', status: 'in_progress', result: null } },
    { type: 'hosted-item-event', key: '#2', name: 'image_generation_call.partial_image', fields: { partial_image_index: 0, partial_image_b64: 'AA' } },
    { type: 'hosted-item-event', key: 'unknown', name: 'web_search_call.completed', fields: {} },
    { type: 'response-event', name: 'audio.delta', fields: { delta: 'BB' } },
    { type: 'text-delta', delta: 'Answer' },
    { type: 'finish', reason: 'stop' },
  ]);
  assert.deepEqual(out.map((e) => e.sequence_number), out.map((_, i) => i));
  const strip = ({ sequence_number: _s, ...rest }: StreamEvent) => rest;
  const igId = (response.output[2] as any).id;
  assert.match(igId, /^item_/, 'an upstream item without an id gets one');
  const ig = { type: 'image_generation_call', status: 'in_progress', result: null, id: igId };
  assert.equal(out[7].type, 'response.output_item.done', 'the reasoning item closes before the hosted item starts');
  assert.deepEqual(out.slice(8, 14).map(strip), [
    { type: 'response.output_item.added', output_index: 1, item: { id: 'ws_1', type: 'web_search_call', status: 'in_progress' } },
    { type: 'response.web_search_call.searching', extra: 1, output_index: 1, item_id: 'ws_1' },
    { type: 'response.output_item.done', output_index: 1, item: ws },
    { type: 'response.output_item.added', output_index: 2, item: ig },
    { type: 'response.image_generation_call.partial_image', partial_image_index: 0, partial_image_b64: 'AA', output_index: 2, item_id: igId },
    // (progress of an item never started is dropped: there is no position to give it)
    { type: 'response.audio.delta', delta: 'BB' },
  ]);
  assert.deepEqual(out.slice(14, -1).map((e) => [e.type, e.output_index]), [
    ['response.output_item.added', 3], ['response.content_part.added', 3], ['response.output_text.delta', 3],
    ['response.output_text.done', 3], ['response.content_part.done', 3], ['response.output_item.done', 3],
    // an item whose done never came is closed at the end, as it is
    ['response.output_item.done', 2],
  ]);
  assert.deepEqual(out.at(-2)!.item, ig);
  assert.deepEqual(response.output.map((i) => i.type), ['reasoning', 'web_search_call', 'image_generation_call', 'message']);
  assert.deepEqual(response.output[1], ws);
});

test('annotations: announced on the open output_text part, kept in its done events, the item and the Response', () => {
  const cite = { type: 'url_citation', start_index: 0, end_index: 4, title: 'T', url: 'https://example.com' };
  const path = { type: 'file_path', file_id: 'file-1', index: 9 };
  const events: ModelEvent[] = [
    { type: 'text-delta', delta: 'Fact ' },
    { type: 'text-annotation', annotation: cite },
    { type: 'text-delta', delta: 'file.csv' },
    { type: 'text-annotation', annotation: path },
    { type: 'finish', reason: 'stop' },
  ];
  const { out, response } = build(events);
  const msgId = (response.output[0] as any).id;
  const added = out.filter((e) => e.type === 'response.output_text.annotation.added').map(({ sequence_number: _s, ...e }) => e);
  assert.deepEqual(added, [
    { type: 'response.output_text.annotation.added', item_id: msgId, output_index: 0, content_index: 0, annotation_index: 0, annotation: cite },
    { type: 'response.output_text.annotation.added', item_id: msgId, output_index: 0, content_index: 0, annotation_index: 1, annotation: path },
  ]);
  const part = { type: 'output_text', annotations: [cite, path], logprobs: [], text: 'Fact file.csv' };
  assert.deepEqual(out.find((e) => e.type === 'response.content_part.done')!.part, part);
  assert.deepEqual((out.find((e) => e.type === 'response.output_item.done')!.item as any).content, [part]);
  assert.deepEqual((response.output[0] as any).content, [part]);
  assert.deepEqual((out.at(-1)!.response as any).output[0].content, [part]);
  // the content_part.added event showed the part as it began
  assert.deepEqual(out.find((e) => e.type === 'response.content_part.added')!.part, { type: 'output_text', annotations: [], logprobs: [], text: '' });

  // Without a sink the Response is the same.
  const b = new ResponseBuilder(initialResponse('resp_2', 'p/m', { model: 'p/m' }, 1), null, { includeEncrypted: false, maxToolCalls: null });
  for (const e of events) b.apply(e);
  assert.deepEqual((b.finish().output[0] as any).content, [part]);
});

test('a response cut short closes open hosted items as incomplete', () => {
  const out: StreamEvent[] = [];
  const b = new ResponseBuilder(initialResponse('resp_3', 'p/m', { model: 'p/m' }, 1), (e) => out.push(e), { includeEncrypted: false, maxToolCalls: null });
  b.start();
  b.apply({ type: 'hosted-item-start', key: 'ci_1', item: { id: 'ci_1', type: 'code_interpreter_call', status: 'in_progress', code: '' } });
  b.apply({ type: 'hosted-item-event', key: 'ci_1', name: 'code_interpreter_call_code.delta', fields: { delta: 'x' } });
  const r = b.fail('upstream_error', 'boom');
  assert.deepEqual(r.output, [{ id: 'ci_1', type: 'code_interpreter_call', status: 'incomplete', code: '' }]);
  assert.deepEqual(out.map((e) => e.type).slice(-3), ['response.code_interpreter_call_code.delta', 'response.output_item.done', 'response.failed']);
});
