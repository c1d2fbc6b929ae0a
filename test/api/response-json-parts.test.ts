/** responseJsonParts: head + output JSON + tail is exactly JSON.stringify of the Response. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialResponse, responseJsonParts, type ResponseObject } from '../../src/api/response-object.js';

const item = { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', annotations: [], logprobs: [], text: 'a "quoted" \u2028 text' }] };

test('a real Response, with and without output, with fields that are undefined', () => {
  const r = initialResponse('resp_1', 'p/m', { model: 'p/m', metadata: { k: 'v"' }, instructions: 'be "brief"' } as never, 1);
  r.output.push(item as never);
  (r as unknown as Record<string, unknown>).user = undefined; // absent from JSON, like JSON.stringify does
  const p = responseJsonParts(r)!;
  assert.equal(p.head + JSON.stringify(r.output) + p.tail, JSON.stringify(r));
  assert.equal(p.head + '[]' + p.tail, JSON.stringify({ ...r, output: [] }));
});

test('output first, output last, output alone, no output', () => {
  for (const r of [{ output: [item], a: 1 }, { a: 1, b: [2], output: [] }, { output: [item] }]) {
    const p = responseJsonParts(r as unknown as ResponseObject)!;
    assert.equal(p.head + JSON.stringify(r.output) + p.tail, JSON.stringify(r));
  }
  assert.equal(responseJsonParts({ a: 1 } as unknown as ResponseObject), null);
});
