/**
 * The agent loop (engine/run-turn.ts with tools/tool-session.ts), driven by scripted model turns and a fake
 * kit: server calls become hosted items between the turns, run concurrently, the next turn sees them as
 * function calls and outputs, usage adds up, the turn cap and max_tool_calls end the loop, a client call or a
 * cancel stops it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseBuilder, type StreamEvent } from '../../src/engine/response-builder.js';
import { initialResponse } from '../../src/api/response-object.js';
import { runTurn } from '../../src/engine/run-turn.js';
import { Cancellation } from '../../src/api/cancellation.js';
import { ToolSession } from '../../src/tools/tool-session.js';
import type { HostedCall, ToolKit } from '../../src/tools/types.js';
import type { Item } from '../../src/api/items.js';
import type { ModelEvent } from '../../src/providers/types.js';

const ctx = { requestId: 'req_1', tenant: 't', keyId: null };

/** A fake search kit: `web_search` calls wait `delay` ms and report which query ran. */
function fakeKit(log: string[], delays: Record<string, number> = {}): ToolKit {
  return {
    type: 'web_search',
    functions: [{ type: 'function', name: 'web_search', description: 'search', parameters: { type: 'object' }, strict: false }],
    call(): HostedCall {
      return {
        early: false,
        initial: (args) => ({ id: `ws_${JSON.parse(args).query}`, type: 'web_search_call', status: 'in_progress', action: { type: 'search', query: JSON.parse(args).query } }),
        started: () => [{ name: 'web_search_call.in_progress' }],
        async run(args, io) {
          const q = JSON.parse(args).query as string;
          log.push(`start ${q}`);
          io.progress('web_search_call.searching');
          await new Promise((r, j) => {
            const t = setTimeout(r, delays[q] ?? 5);
            io.signal.addEventListener('abort', () => { clearTimeout(t); j(new Error('aborted')); });
          });
          log.push(`end ${q}`);
          io.progress('web_search_call.completed');
          return {
            item: { type: 'web_search_call', status: 'completed', action: { type: 'search', query: q } },
            output: `results for ${q}: see https://example.com/${q}`,
            sources: [{ kind: 'url', url: `https://example.com/${q}`, title: `About ${q}` }],
          };
        },
      };
    },
  };
}

async function* turn(events: ModelEvent[]): AsyncIterable<ModelEvent> {
  for (const e of events) yield e;
}

function callTurn(calls: { id: string; name: string; args: string }[], usage = { inputTokens: 10, outputTokens: 2 }): ModelEvent[] {
  return [
    ...calls.flatMap((c): ModelEvent[] => [
      { type: 'tool-call-start', callId: c.id, name: c.name },
      { type: 'tool-call-delta', callId: c.id, delta: c.args },
      { type: 'tool-call-end', callId: c.id },
    ]),
    { type: 'usage', usage },
    { type: 'finish', reason: 'tool_calls' },
  ];
}

function answerTurn(text: string): ModelEvent[] {
  return [{ type: 'text-delta', delta: text }, { type: 'usage', usage: { inputTokens: 30, outputTokens: 5 } }, { type: 'finish', reason: 'stop' }];
}

function setup(opts: { maxTurns?: number; maxToolCalls?: number | null; delays?: Record<string, number> } = {}) {
  const events: StreamEvent[] = [];
  const builder = new ResponseBuilder(initialResponse('resp_1', 'p/m', { model: 'p/m' }, 1), (e) => events.push(e), {
    includeEncrypted: false, maxToolCalls: opts.maxToolCalls ?? null,
  });
  const log: string[] = [];
  const session = new ToolSession([fakeKit(log, opts.delays)], { ctx, maxTurns: opts.maxTurns ?? 10 });
  builder.start();
  return { events, builder, log, session };
}

test('server calls run between model turns; the next turn sees them as function calls with their outputs; usage adds up', async () => {
  const { events, builder, log, session } = setup({ delays: { slow: 40, fast: 1 } });
  const restarts: { extra: Item[]; noTools: boolean | undefined }[] = [];
  const signal = new Cancellation();
  const outcome = await runTurn(turn(callTurn([
    { id: 'c1', name: 'web_search', args: '{"query":"slow"}' },
    { id: 'c2', name: 'web_search', args: '{"query":"fast"}' },
  ])), builder, {
    signal, tools: session,
    restart: async (extra, noTools) => {
      restarts.push({ extra, noTools });
      return turn(answerTurn('See [About fast](https://example.com/fast).'));
    },
  });
  assert.equal(outcome.response.status, 'completed');
  assert.deepEqual(outcome.response.output.map((i) => i.type), ['web_search_call', 'web_search_call', 'message']);
  // Concurrent: both started before either ended; the fast one ended first.
  assert.deepEqual(log, ['start slow', 'start fast', 'end fast', 'end slow']);
  assert.equal(restarts.length, 1);
  assert.deepEqual(restarts[0].extra.map((i) => `${i.type}:${(i as { name?: string }).name ?? ''}`), [
    'function_call:web_search', 'function_call_output:', 'function_call:web_search', 'function_call_output:',
  ]);
  assert.equal((restarts[0].extra[1] as { output: string }).output, 'results for slow: see https://example.com/slow');
  assert.equal(restarts[0].noTools, false);
  assert.deepEqual(outcome.response.usage && [outcome.response.usage.input_tokens, outcome.response.usage.output_tokens], [40, 7]);
  // Events: both items added in order, their progress, then the answer with its citation.
  const types = events.map((e) => e.type);
  assert.equal(types[0], 'response.created');
  assert.deepEqual(events.filter((e) => e.type === 'response.output_item.added').map((e) => e.output_index), [0, 1, 2]);
  const done = events.filter((e) => e.type === 'response.output_item.done');
  assert.deepEqual(done.map((e) => e.output_index), [1, 0, 2], 'each item is done when its call ends');
  const ann = events.find((e) => e.type === 'response.output_text.annotation.added');
  assert.ok(ann, 'the link to a source is annotated');
  assert.deepEqual(ann!.annotation, { type: 'url_citation', url: 'https://example.com/fast', title: 'About fast', start_index: 4, end_index: 42 });
  assert.ok(types.indexOf('response.output_text.annotation.added') < types.indexOf('response.output_text.done'));
  // The stored items keep what the model was told; a client never sees it.
  assert.equal(typeof outcome.response.output[0]._switchboard_model_output, 'string');
  for (const e of events) assert.ok(!JSON.stringify(e).includes('_switchboard_model_output'), e.type);
  assert.equal(types.at(-1), 'response.completed');
});

test('the turn cap ends a runaway loop incomplete (max_tool_turns)', async () => {
  const { builder, session } = setup({ maxTurns: 3 });
  let n = 0;
  const outcome = await runTurn(turn(callTurn([{ id: 'c0', name: 'web_search', args: '{"query":"q0"}' }])), builder, {
    signal: new Cancellation(), tools: session,
    restart: async () => { n++; return turn(callTurn([{ id: `c${n}`, name: 'web_search', args: `{"query":"q${n}"}` }])); },
  });
  assert.equal(n, 2, 'three model turns in all');
  assert.equal(outcome.response.status, 'incomplete');
  assert.deepEqual(outcome.response.incomplete_details, { reason: 'max_tool_turns' });
  assert.equal(outcome.response.output.filter((i) => i.type === 'web_search_call').length, 3);
});

test('max_tool_calls counts server calls: past it calls are ignored and the next turn must answer without tools', async () => {
  const { builder, session, log } = setup({ maxToolCalls: 1 });
  const noTools: (boolean | undefined)[] = [];
  const outcome = await runTurn(turn(callTurn([
    { id: 'c1', name: 'web_search', args: '{"query":"a"}' },
    { id: 'c2', name: 'web_search', args: '{"query":"b"}' },
  ])), builder, {
    signal: new Cancellation(), tools: session,
    restart: async (_extra, nt) => { noTools.push(nt); return turn(answerTurn('done')); },
  });
  assert.deepEqual(log, ['start a', 'end a']);
  assert.deepEqual(noTools, [true]);
  assert.equal(outcome.response.status, 'completed');
});

test('a client-side call in the same turn ends the response after the server calls ran', async () => {
  const { builder, session } = setup();
  let restarted = false;
  const outcome = await runTurn(turn(callTurn([
    { id: 'c1', name: 'web_search', args: '{"query":"a"}' },
    { id: 'c2', name: 'get_weather', args: '{"city":"Paris"}' },
  ])), builder, {
    signal: new Cancellation(), tools: session,
    restart: async () => { restarted = true; return turn(answerTurn('x')); },
  });
  assert.equal(restarted, false);
  assert.equal(outcome.response.status, 'completed');
  assert.deepEqual(outcome.response.output.map((i) => `${i.type}:${i.status}`), ['web_search_call:completed', 'function_call:completed']);
});

test('a cancel stops the call in flight and the loop', async () => {
  const { builder, session, log } = setup({ delays: { slow: 5000 } });
  const signal = new Cancellation();
  setTimeout(() => signal.cancel(), 30);
  const t0 = Date.now();
  const outcome = await runTurn(turn(callTurn([{ id: 'c1', name: 'web_search', args: '{"query":"slow"}' }])), builder, {
    signal, tools: session, restart: async () => { throw new Error('must not restart'); },
  });
  assert.ok(Date.now() - t0 < 3000);
  assert.equal(outcome.cancelled, true);
  assert.deepEqual(log, ['start slow']);
  assert.equal(outcome.response.output[0].status, 'incomplete');
});
