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
