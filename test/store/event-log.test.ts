/**
 * The stored event log: snapshots the finished Response reproduces are stored as `$final` markers, and replay
 * (`GET /v1/responses/{id}?stream=true`) gives back exactly the events that were sent — for every provider
 * kind, with and without `include: ["reasoning.encrypted_content"]`, for completed, incomplete, failed and
 * tool-calling streams.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResponseObject } from '../../src/api/response-object.js';
import { EventLog, expandEventLog } from '../../src/store/event-log.js';
import { startEveryProvider, type EveryProvider, type ProviderName } from '../helpers/every-provider.js';
import { readSse } from '../helpers/switchboard.js';

function response(over: Partial<ResponseObject> = {}): ResponseObject {
  return {
    id: 'resp_1', object: 'response', created_at: 1, status: 'in_progress', background: false, completed_at: null, error: null,
    incomplete_details: null, instructions: null, max_output_tokens: null, max_tool_calls: null, model: 'p/m', output: [],
    parallel_tool_calls: true, previous_response_id: null, conversation: null, prompt_cache_key: null, prompt_cache_retention: null,
    reasoning: { effort: null, summary: null }, safety_identifier: null, service_tier: 'default', store: true, temperature: 1,
    text: { format: { type: 'text' }, verbosity: 'medium' }, tool_choice: 'auto', tools: [], top_logprobs: 0, top_p: 1,
    presence_penalty: 0, frequency_penalty: 0, truncation: 'disabled', usage: null, user: null, metadata: {}, ...over,
  };
}

/** Logs events the way the service does: each serialized once, as sent. */
function logOf(events: Record<string, unknown>[]): { log: EventLog; sent: unknown[] } {
  const log = new EventLog();
  const sent: unknown[] = [];
  for (const e of events) {
    const json = JSON.stringify(e);
    log.add(e as never, json);
    sent.push(JSON.parse(json));
  }
  return { log, sent };
}

describe('EventLog (unit)', () => {
  test('created, in_progress and the terminal snapshot become markers; expanding gives the sent events back', () => {
    const r = response();
    const start = { ...r, output: [] };
    const msg = { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'hi', annotations: [], logprobs: [] }] };
    const events: Record<string, unknown>[] = [
      { type: 'response.created', sequence_number: 0, response: start },
      { type: 'response.in_progress', sequence_number: 1, response: { ...r, output: [] } },
      { type: 'response.output_item.done', sequence_number: 2, output_index: 0, item: msg },
    ];
    r.output.push(msg as never);
    Object.assign(r, { status: 'completed', completed_at: 5, usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2 } });
    events.push({ type: 'response.completed', sequence_number: 3, response: { ...r, output: r.output.slice() } });
    const { log, sent } = logOf(events);
    const stored = log.serialize(r, false)!;
    assert.equal(stored.split('"$final"').length - 1, 3);
    assert.ok(stored.length < JSON.stringify(sent).length / 2, `${stored.length} bytes stored for ${JSON.stringify(sent).length} sent`);
    const back = expandEventLog(stored, () => ({ response: JSON.parse(JSON.stringify(r)), includeEncrypted: false }));
    assert.deepEqual(back, sent);
    // Same bytes, not only the same values: key order survives.
    assert.equal(JSON.stringify(back), JSON.stringify(sent));
  });

  test('reasoning shown without encrypted_content (not included) still compacts, and replays without it', () => {
    const r = response();
    const rs = { id: 'rs_1', type: 'reasoning', summary: [], encrypted_content: 'secret' };
    r.output.push(rs as never);
    r.status = 'completed';
    const { encrypted_content: _e, ...shown } = rs;
    const { log, sent } = logOf([{ type: 'response.completed', sequence_number: 0, response: { ...r, output: [shown] } }]);
    const stored = log.serialize(r, false)!;
    assert.ok(stored.includes('"$final"'));
    assert.ok(!stored.includes('secret'));
    assert.deepEqual(expandEventLog(stored, () => ({ response: r, includeEncrypted: false })), sent);
    // A snapshot that showed the blob is only compacted when the request included it.
    const withBlob = logOf([{ type: 'response.completed', sequence_number: 0, response: { ...r, output: [rs] } }]);
    assert.ok(withBlob.log.serialize(r, true)!.includes('"$final"'));
    assert.deepEqual(expandEventLog(withBlob.log.serialize(r, true)!, () => ({ response: r, includeEncrypted: true })), withBlob.sent);
  });

  test('fields that differ from the final Response travel in the marker', () => {
    const r = response({ status: 'completed' });
    const other = [{ id: 'msg_9', type: 'message', role: 'assistant', content: [], status: 'completed' }];
    const { log, sent } = logOf([{ type: 'response.completed', sequence_number: 0, response: { ...r, tools: [], output: other } }]);
    const stored = log.serialize(r, false)!;
    assert.deepEqual(JSON.parse(stored)[0].response, { $final: { output: other, tools: [] } });
    assert.equal(JSON.stringify(expandEventLog(stored, () => ({ response: r, includeEncrypted: false }))), JSON.stringify(sent));
  });

  test('a snapshot whose shape the final Response cannot reproduce is stored in full', () => {
    const r = response({ status: 'completed' });
    const cases: Record<string, unknown>[] = [
      { ...r, extra: 1 }, // a key the final Response lacks
      Object.fromEntries(Object.entries(r).reverse()), // another key order
      { ...r, user: undefined }, // a field missing from the JSON that the final Response has
    ];
    for (const [i, snap] of cases.entries()) {
      const { log, sent } = logOf([{ type: 'response.completed', sequence_number: 0, response: snap }]);
      const stored = log.serialize(r, false)!;
      assert.ok(!stored.includes('$final'), `case ${i} was compacted`);
      assert.deepEqual(expandEventLog(stored, () => { throw new Error('not needed'); }), sent);
    }
    // And the other way round: a field the snapshot lacks but the final Response has.
    const { log } = logOf([{ type: 'response.completed', sequence_number: 0, response: { ...r } }]);
    assert.ok(!log.serialize({ ...r, user: undefined } as never, false)!.includes('$final'));
  });

  test('an empty log stores nothing; a stored full log (older databases) replays unchanged', () => {
    assert.equal(new EventLog().serialize(response(), false), null);
    const old = [{ type: 'response.created', sequence_number: 0, response: response() }];
    assert.deepEqual(expandEventLog(JSON.stringify(old), () => { throw new Error('not needed'); }), JSON.parse(JSON.stringify(old)));
  });
});

describe('stored logs replay exactly what was sent (every provider kind)', () => {
  let every: EveryProvider;
  before(async () => { every = await startEveryProvider(); });
  after(async () => { await every.close(); });

  async function liveAndReplay(provider: ProviderName, body: Record<string, unknown>) {
    const live = (await readSse(await every.sb.post('/v1/responses', { model: `${provider}/m`, stream: true, ...body }))).map((f) => f.data);
    const id = live[0].response.id as string;
    const replay = (await readSse(await fetch(`${every.sb.url}/v1/responses/${id}?stream=true`))).map((f) => f.data);
    const row = await every.sb.db.selectFrom('responses').select('events').where('id', '=', id).executeTakeFirstOrThrow();
    return { live, replay, stored: row.events! };
  }

  const providers: ProviderName[] = ['chat', 'openai', 'anthropic', 'gemini'];
  for (const provider of providers) {
    test(`${provider}: reasoning (with and without include), tool calls, incomplete and failed streams`, async () => {
      const fake = every.fakes[provider];
      const tools = [{ type: 'function', name: 'f', parameters: { type: 'object' }, strict: false }];
      const runs: { turn: Parameters<typeof fake.enqueue>[0]; body: Record<string, unknown>; markers: number }[] = [
        { turn: { kind: 'reply', reasoning: 'think', reasoningSignature: 'sig-1', text: 'answer' }, body: { input: 'a' }, markers: 3 },
        {
          turn: { kind: 'reply', reasoning: 'think', reasoningSignature: 'sig-2', text: 'answer' },
          body: { input: 'b', include: ['reasoning.encrypted_content'] }, markers: 3,
        },
        { turn: { kind: 'reply', toolCalls: [{ name: 'f', arguments: '{"a":1}', id: 'c1' }, { name: 'f', arguments: '{}', id: 'c2' }] }, body: { input: 'c', tools }, markers: 3 },
        { turn: { kind: 'reply', text: 'cut short', finish: 'length' }, body: { input: 'd' }, markers: 3 },
        { turn: { kind: 'drop-mid-stream', text: 'partial' }, body: { input: 'e' }, markers: 3 },
      ];
      for (const [i, run] of runs.entries()) {
        fake.enqueue(run.turn);
        const { live, replay, stored } = await liveAndReplay(provider, run.body);
        assert.deepEqual(replay, live, `run ${i}: replay differs from the live stream`);
        assert.equal(stored.split('"$final"').length - 1, run.markers, `run ${i}: ${stored.slice(0, 300)}`);
        assert.match(String(live.at(-2).type), /^response\.(completed|incomplete|failed)$/);
      }
    });
  }
});
