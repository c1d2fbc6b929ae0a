/**
 * The oracle itself: it must reject what the spec rejects (a missing required field, even a nullable one; a
 * wrong event), check extension types for the prose's and the openai package's required fields, and its
 * fetch hook must fail the request or the stream that carries a violation.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { initialResponse } from '../../src/api/response-object.js';
import { installSpecCheckedFetch, sseChecker } from './spec-checked-fetch.js';
import { validateEvent, validateResponse } from './spec-oracle.js';

function completed(over: Record<string, unknown> = {}): any {
  const r = initialResponse('resp_1', 'p/m', {
    model: 'p/m',
    tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: {} } }],
  }, 1);
  return {
    ...r, status: 'completed', completed_at: 2,
    output: [{ id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'hi', annotations: [], logprobs: [] }] }],
    usage: { input_tokens: 1, input_tokens_details: { cached_tokens: 0 }, output_tokens: 1, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 2 },
    ...over,
  };
}

function fails(result: { ok: boolean; errors: string[] }, pattern: RegExp): void {
  assert.equal(result.ok, false, 'the oracle accepted it');
  assert.ok(result.errors.some((e) => pattern.test(e)), `no error matches ${pattern}:\n${result.errors.join('\n')}`);
}

const delta = { type: 'response.output_text.delta', sequence_number: 3, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'h', logprobs: [] };

describe('spec oracle: spec-defined types are held to the schema', () => {
  test('a whole Response passes; the same Response with a function tool lacking `strict` fails', () => {
    assert.deepEqual(validateResponse(completed()), { ok: true, errors: [] });
    const r = completed();
    delete r.tools[0].strict;
    fails(validateResponse(r), /^\/tools\/0 must have required property 'strict'/);
  });

  test('required-but-nullable fields must be present; wrong types and enum values fail', () => {
    const r = completed();
    delete r.previous_response_id;
    fails(validateResponse(r), /must have required property 'previous_response_id'/);
    fails(validateResponse(completed({ usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2 } })), /^\/usage must have required property 'input_tokens_details'/);
    fails(validateResponse(completed({ truncation: 'sometimes' })), /^\/truncation must be equal to one of the allowed values/);
    fails(validateResponse(completed({ temperature: null })), /^\/temperature must be number/);
  });

  test('spec-defined items and annotations are strict: a message without content, a url_citation without title', () => {
    fails(validateResponse(completed({ output: [{ id: 'msg_1', type: 'message', status: 'completed', role: 'assistant' }] })), /^\/output\/0 must have required property 'content'/);
    const cite = { type: 'url_citation', url: 'https://x', start_index: 0, end_index: 1 };
    fails(validateResponse(completed({ output: [{ id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'hi', annotations: [cite], logprobs: [] }] }] })),
      /annotations\/0 must have required property 'title'/);
    fails(validateResponse(completed({ output: [{ id: 'fc_1', type: 'function_call', status: 'done', call_id: 'c', name: 'f', arguments: '{}' }] })), /^\/output\/0\/status must be equal to one of the allowed values/);
  });

  test('events: a missing sequence_number, a missing delta, a lifecycle event whose Response is incomplete', () => {
    assert.equal(validateEvent(delta).ok, true);
    const { sequence_number: _s, ...noSeq } = delta;
    fails(validateEvent(noSeq), /must have required property 'sequence_number'/);
    const { delta: _d, ...noDelta } = delta;
    fails(validateEvent(noDelta), /must have required property 'delta'/);
    const r = completed();
    delete r.usage;
    fails(validateEvent({ type: 'response.completed', sequence_number: 9, response: r }), /^\/response must have required property 'usage'/);
    fails(validateEvent({ type: 'response.output_item.added', sequence_number: 1, output_index: 0, item: { id: 'msg_1', type: 'message', status: 'in_progress', role: 'assistant', content: [{ type: 'output_text', text: '' }] } }),
      /^\/item\/content\/0 must have required property 'annotations'/);
  });

  test('errata: reasoning.effort may be `minimal` (described by the enum\'s own x-enumDescriptions); other values fail', () => {
    assert.equal(validateResponse(completed({ reasoning: { effort: 'minimal', summary: null } })).ok, true);
    fails(validateResponse(completed({ reasoning: { effort: 'maximal', summary: null } })), /^\/reasoning\/effort must be equal to one of the allowed values/);
  });

  test('errata: a json_schema text.format may carry its schema, and still needs `strict`', () => {
    const format = { type: 'json_schema', name: 'x', description: null, schema: { type: 'object' }, strict: true };
    assert.equal(validateResponse(completed({ text: { format, verbosity: 'medium' } })).ok, true);
    const { strict: _s, ...noStrict } = format;
    fails(validateResponse(completed({ text: { format: noStrict, verbosity: 'medium' } })), /^\/text\/format must have required property 'strict'/);
  });
});

describe('spec oracle: extension types', () => {
  test('an item of a type the spec lacks needs id, type and status (prose) and the openai shape\'s fields', () => {
    const ctc = { id: 'ctc_1', type: 'custom_tool_call', status: 'completed', call_id: 'call_1', name: 'apply_patch', input: '*** Begin' };
    assert.equal(validateResponse(completed({ output: [ctc] })).ok, true);
    const { status: _st, ...noStatus } = ctc;
    fails(validateResponse(completed({ output: [noStatus] })), /^\/output\/0 item of extension type 'custom_tool_call' must have a string `status`/);
    const { input: _i, ...noInput } = ctc;
    fails(validateResponse(completed({ output: [noInput] })), /must have `input` \(openai ResponseCustomToolCall\)/);
    fails(validateResponse(completed({ output: [{ ...ctc, input: 42 }] })), /`input` must be string, is number/);
    // A type nobody defines: only the prose's fields.
    assert.equal(validateResponse(completed({ output: [{ id: 'x_1', type: 'acme:search', status: 'completed' }] })).ok, true);
    fails(validateResponse(completed({ output: [{ type: 'acme:search', status: 'completed' }] })), /must have a string `id`/);
  });

  test('tools, tool_choice and annotations outside the spec are checked against the openai types', () => {
    assert.equal(validateResponse(completed({ tools: [{ type: 'web_search', external_web_access: true }] })).ok, true);
    fails(validateResponse(completed({ tools: [{ type: 'namespace', name: 'ns', description: 'd' }] })), /^\/tools\/0 tool of extension type 'namespace' must have `tools`/);
    fails(validateResponse(completed({ tools: [{ name: 'x' }] })), /^\/tools\/0 tool must have a string `type`/);
    assert.equal(validateResponse(completed({ tool_choice: { type: 'custom', name: 'apply_patch' } })).ok, true);
    fails(validateResponse(completed({ tool_choice: { type: 'custom' } })), /^\/tool_choice tool_choice of extension type 'custom' must have `name`/);
    fails(validateResponse(completed({ tool_choice: 'sometimes' })), /tool_choice/);
    const msg = (annotation: unknown) => ({ id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'hi', annotations: [annotation], logprobs: [] }] });
    assert.equal(validateResponse(completed({ output: [msg({ type: 'file_citation', file_id: 'f', filename: 'a.txt', index: 0 })] })).ok, true);
    fails(validateResponse(completed({ output: [msg({ type: 'file_citation', filename: 'a.txt', index: 0 })] })), /annotation of extension type 'file_citation' must have `file_id`/);
  });

  test('an event of a type the spec lacks needs an integer sequence_number and the openai shape\'s fields', () => {
    const searching = { type: 'response.web_search_call.searching', sequence_number: 4, item_id: 'ws_1', output_index: 0 };
    assert.equal(validateEvent(searching).ok, true);
    fails(validateEvent({ ...searching, sequence_number: '4' }), /must have an integer `sequence_number`/);
    const { item_id: _i, ...noItem } = searching;
    fails(validateEvent(noItem), /must have `item_id` \(openai ResponseWebSearchCallSearchingEvent\)/);
    fails(validateEvent({ type: 'response.reasoning_text.delta', sequence_number: 1, item_id: 'rs_1', output_index: 0, content_index: 0 }), /must have `delta`/);
    assert.equal(validateEvent({ type: 'acme:trace_event', sequence_number: 1, phase: 'x' }).ok, true);
    fails(validateEvent({ type: 'acme:trace_event' }), /must have an integer `sequence_number`/);
  });
});

describe('spec oracle: stream rules and the fetch hook', () => {
  async function through(text: string): Promise<string> {
    const body = new Response(text).body!.pipeThrough(sseChecker('test'));
    return new Response(body).text();
  }
  const frame = (e: Record<string, unknown>, name = e.type) => `event: ${name}\ndata: ${JSON.stringify(e)}\n\n`;

  test('a valid stream passes byte for byte; a bad event, a missing or mismatched event name, a step back or a gap, or no [DONE] errors it', async () => {
    const good = frame(delta) + frame({ ...delta, sequence_number: 4 }) + 'data: [DONE]\n\n';
    assert.equal(await through(good), good);
    await assert.rejects(through(frame({ ...delta, delta: undefined }) + 'data: [DONE]\n\n'), /must have required property 'delta'/);
    await assert.rejects(through(frame(delta, 'response.output_text.done') + 'data: [DONE]\n\n'), /does not match type/);
    await assert.rejects(through(`data: ${JSON.stringify(delta)}\n\ndata: [DONE]\n\n`), /event: \(none\) does not match type/);
    await assert.rejects(through(frame(delta) + frame(delta) + 'data: [DONE]\n\n'), /sequence_number 3 after 3/);
    await assert.rejects(through(frame(delta) + frame({ ...delta, sequence_number: 5 }) + 'data: [DONE]\n\n'), /sequence_number 5 after 3/);
    await assert.rejects(through(frame(delta)), /ended without data: \[DONE\]/);
  });

  test('installed for an origin, fetch rejects an invalid Response and errors a stream with a bad event', async () => {
    const bad = completed();
    delete bad.tools[0].strict;
    const server = createServer((req, res) => {
      if (req.url === '/v1/responses/stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(frame({ ...delta, sequence_number: undefined }) + 'data: [DONE]\n\n');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(req.url === '/v1/responses/good' ? completed() : bad));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const uninstall = installSpecCheckedFetch(origin);
    const quiet = console.error;
    console.error = () => {};
    try {
      assert.equal((await (await fetch(`${origin}/v1/responses/good`)).json()).id, 'resp_1');
      await assert.rejects(fetch(`${origin}/v1/responses/bad`), /\/tools\/0 must have required property 'strict'[\s\S]*"get_weather"/);
      const streamed = await fetch(`${origin}/v1/responses/stream`);
      await assert.rejects(streamed.text(), /must have required property 'sequence_number'/);
      uninstall();
      assert.equal((await (await fetch(`${origin}/v1/responses/bad`)).json()).id, 'resp_1', 'uninstalled: the real fetch again');
    } finally {
      console.error = quiet;
      server.close();
    }
  });
});
