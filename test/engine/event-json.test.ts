/** EventJson gives exactly JSON.stringify's bytes, serializing a shared Response copy once. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventJson } from '../../src/engine/event-json.js';
import { ResponseBuilder, type StreamEvent } from '../../src/engine/response-builder.js';
import { initialResponse } from '../../src/api/response-object.js';

test('every event of a stream serializes to the same bytes as JSON.stringify', () => {
  const events: StreamEvent[] = [];
  const b = new ResponseBuilder(initialResponse('resp_1', 'p/m', { model: 'p/m', metadata: { k: 'quote " and \\u2028' } }, 1), (e) => events.push(e), {
    includeEncrypted: false, maxToolCalls: null,
  });
  b.start();
  b.apply({ type: 'text-delta', delta: 'Hi "there"' });
  b.apply({ type: 'tool-call-start', callId: 'c1', name: 'f' });
  b.apply({ type: 'tool-call-delta', callId: 'c1', delta: '{"a":1}' });
  b.apply({ type: 'finish', reason: 'tool_calls' });
  b.finish();
  const json = new EventJson();
  for (const e of events) assert.equal(json.of(e), JSON.stringify(e), e.type);
  assert.equal(events[0].response, events[1].response, 'created and in_progress share one copy');
});

test("a shared copy's JSON is reused; a new copy, or an event of another shape, is serialized afresh", () => {
  const json = new EventJson();
  const r = { id: 'resp_1', status: 'in_progress' };
  const created = { type: 'response.created', sequence_number: 0, response: r };
  assert.equal(json.of(created), JSON.stringify(created));
  r.status = 'changed behind its back'; // never done by the builder; shows the second event reuses the text
  assert.equal(json.of({ type: 'response.in_progress', sequence_number: 1, response: r }),
    '{"type":"response.in_progress","sequence_number":1,"response":{"id":"resp_1","status":"in_progress"}}');
  const done = { type: 'response.completed', sequence_number: 2, response: { id: 'resp_1', status: 'completed' } };
  assert.equal(json.of(done), JSON.stringify(done));
  const other = { type: 'response.failed', sequence_number: 3, response: { id: 'x' }, extra: true };
  assert.equal(json.of(other), JSON.stringify(other));
});
