/**
 * SseWriter's batching contract: frames of one event-loop turn leave in one write; a held tail leaves with [DONE];
 * a stream that has not started when the upstream finishes leaves whole after the commit (bounded wait).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { SseWriter } from '../../src/http/sse-writer.js';

function recorder() {
  const calls: { op: 'write' | 'end'; data: string }[] = [];
  const res = {
    writableEnded: false,
    destroyed: false,
    writeHead() { return this; },
    write(data: string) { calls.push({ op: 'write', data }); return true; },
    end(data: string) { calls.push({ op: 'end', data }); this.writableEnded = true; return this; },
  };
  return { res: res as unknown as ServerResponse, calls };
}
const turn = () => new Promise((r) => setImmediate(r));

test('frames queued in one turn go out in one write; end() adds [DONE]', async () => {
  const { res, calls } = recorder();
  const sse = new SseWriter(res, {}, 0);
  sse.frame('response.created', '{"a":1}');
  sse.frame('response.in_progress', '{"b":2}');
  assert.equal(calls.length, 0);
  await turn();
  assert.deepEqual(calls, [{ op: 'write', data: 'event: response.created\ndata: {"a":1}\n\nevent: response.in_progress\ndata: {"b":2}\n\n' }]);
  sse.frame('response.completed', '{"c":3}');
  sse.end();
  assert.deepEqual(calls.at(-1), { op: 'end', data: 'event: response.completed\ndata: {"c":3}\n\ndata: [DONE]\n\n' });
  assert.equal(calls.length, 2);
});

test('hold() after a first write: the queued tail waits for end() and leaves with it in one write', async () => {
  const { res, calls } = recorder();
  const sse = new SseWriter(res, {}, 0);
  sse.frame('response.created', '{"a":1}');
  await turn();
  assert.equal(calls.length, 1);
  sse.frame('response.output_text.done', '{"t":1}');
  sse.hold();
  await turn();
  await turn();
  assert.equal(calls.length, 1, 'held');
  sse.frame('response.completed', '{"c":3}');
  sse.end();
  assert.deepEqual(calls[1], {
    op: 'end',
    data: 'event: response.output_text.done\ndata: {"t":1}\n\nevent: response.completed\ndata: {"c":3}\n\ndata: [DONE]\n\n',
  });
});

test('hold() before anything went out: the whole stream leaves with the terminal event in one write', async () => {
  const { res, calls } = recorder();
  const sse = new SseWriter(res, {}, 0);
  sse.frame('response.created', '{"a":1}');
  sse.frame('response.output_text.done', '{"t":1}');
  sse.hold(60_000); // a commit far shorter than the wait
  await turn();
  await turn();
  assert.equal(calls.length, 0, 'waiting for the commit');
  sse.frame('response.completed', '{"c":3}');
  sse.end();
  assert.deepEqual(calls, [{
    op: 'end',
    data: 'event: response.created\ndata: {"a":1}\n\nevent: response.output_text.done\ndata: {"t":1}\n\n'
      + 'event: response.completed\ndata: {"c":3}\n\ndata: [DONE]\n\n',
  }]);
});

test('hold() before anything went out, then a commit that stalls: the frames so far leave after the wait, the tail with end()', async () => {
  const { res, calls } = recorder();
  const sse = new SseWriter(res, {}, 0);
  sse.frame('response.created', '{"a":1}');
  sse.hold(5);
  assert.equal(calls.length, 0);
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(calls, [{ op: 'write', data: 'event: response.created\ndata: {"a":1}\n\n' }]);
  sse.frame('response.output_text.done', '{"t":1}');
  await turn();
  assert.equal(calls.length, 1, 'still holding the tail');
  sse.frame('response.completed', '{"c":3}');
  sse.end();
  assert.equal(calls.length, 2);
  assert.equal(calls[1].data, 'event: response.output_text.done\ndata: {"t":1}\n\nevent: response.completed\ndata: {"c":3}\n\ndata: [DONE]\n\n');
});

test('end() before the wait is over cancels it: nothing is written twice', async () => {
  const { res, calls } = recorder();
  const sse = new SseWriter(res, {}, 0);
  sse.frame('response.created', '{"a":1}');
  sse.hold(5);
  sse.end();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(calls.length, 1);
  assert.equal(calls[0].data, 'event: response.created\ndata: {"a":1}\n\ndata: [DONE]\n\n');
});
