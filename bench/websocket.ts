/**
 * WebSocket mode against HTTP: a 20-turn tool loop (each turn the model calls a function and the client sends
 * the function_call_output back as the next turn's only input), against the fake Chat Completions upstream,
 * Switchboard as `npm start` runs it (compiled build, SQLite file, store on). Modes, alternated loop by loop:
 *
 *   http-json     POST /v1/responses, answered in one JSON body, continued by previous_response_id (stored)
 *   http-sse      the same with `stream: true` (what agent clients such as Codex do over HTTP)
 *   ws            one WebSocket for the loop, `store: false`: continued from the connection-local cache
 *   ws-stored     one WebSocket for the loop, `store: true`: continued through the store, as HTTP is
 *
 * A WebSocket loop's time includes opening its connection (the HTTP modes reuse a keep-alive connection).
 *
 *   npm run bench:websocket -- [--loops=40] [--turns=20] [--warmup=5]
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { request } from 'undici';
import WebSocket from 'ws';
import { REPO_ROOT, startChild } from './child-process.js';
import { agent } from './http-timing.js';
import { now, round, summarize, type Summary } from './stats.js';

const arg = (name: string, dflt: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const LOOPS = arg('loops', 40);
const TURNS = arg('turns', 20);
const WARMUP = arg('warmup', 5);

const TOOLS = [{ type: 'function', name: 'lookup', description: 'Looks a thing up.', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } }];
const FIRST_INPUT = 'Look up the 20 items one by one, then summarise.';

type Mode = 'http-json' | 'http-sse' | 'ws' | 'ws-stored';
const MODES: Mode[] = ['http-json', 'http-sse', 'ws', 'ws-stored'];

const upstream = await startChild<{ baseUrl: string }>('bench/tool-loop-upstream-process.ts', {});
const gateway = await startChild<{ switchboardUrl: string; build: string }>('bench/gateway-process.ts', { UPSTREAM_BASE_URL: upstream.ready.baseUrl });
const base = gateway.ready.switchboardUrl;

/** The turn's body after the first: only the tool's output. */
function nextInput(callId: string, k: number) {
  return [{ type: 'function_call_output', call_id: callId, output: `{"item":${k},"value":"result ${k}"}` }];
}

function callOf(response: any, mode: string): string {
  const call = response?.output?.find((i: any) => i.type === 'function_call');
  if (!call) throw new Error(`${mode}: the turn did not end with a function call: ${JSON.stringify(response).slice(0, 300)}`);
  return call.call_id;
}

async function httpLoop(stream: boolean): Promise<number[]> {
  const mode = stream ? 'http-sse' : 'http-json';
  const turns: number[] = [];
  let previous: string | null = null;
  let callId = '';
  for (let k = 0; k < TURNS; k++) {
    const body: Record<string, unknown> = previous
      ? { model: 'fake/m', tools: TOOLS, previous_response_id: previous, input: nextInput(callId, k), stream }
      : { model: 'fake/m', tools: TOOLS, input: FIRST_INPUT, stream };
    const t0 = now();
    const res = await request(`${base}/v1/responses`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), dispatcher: agent,
    });
    const text: string = await res.body.text();
    turns.push(Number(now() - t0));
    if (res.statusCode !== 200) throw new Error(`${mode}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
    const response: { id: string } = stream ? lastResponseOfSse(text) : JSON.parse(text);
    previous = response.id;
    callId = callOf(response, mode);
  }
  return turns;
}

function lastResponseOfSse(text: string): any {
  const marker = 'event: response.completed\ndata: ';
  const at = text.lastIndexOf(marker);
  if (at < 0) throw new Error(`http-sse: no response.completed in …${text.slice(-300)}`);
  return JSON.parse(text.slice(at + marker.length, text.indexOf('\n', at + marker.length))).response;
}

/** Returns [connect, turn 1, …, turn n] in ns. */
async function wsLoop(store: boolean): Promise<number[]> {
  const mode = store ? 'ws-stored' : 'ws';
  const t0 = now();
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/responses`, { perMessageDeflate: false });
  await new Promise<void>((res, rej) => { ws.once('open', () => res()); ws.once('error', rej); });
  const times = [Number(now() - t0)];
  let waiting: ((r: any) => void) | null = null;
  let failure: Error | null = null;
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data));
    if (msg.type === 'error') failure = new Error(`${mode}: error message ${JSON.stringify(msg)}`);
    if (msg.type === 'error' || msg.type === 'response.completed' || msg.type === 'response.failed' || msg.type === 'response.incomplete') {
      waiting?.(msg.response ?? null);
    }
  });
  let previous: string | null = null;
  let callId = '';
  for (let k = 0; k < TURNS; k++) {
    const msg = previous
      ? { type: 'response.create', model: 'fake/m', store, tools: TOOLS, previous_response_id: previous, input: nextInput(callId, k) }
      : { type: 'response.create', model: 'fake/m', store, tools: TOOLS, input: FIRST_INPUT };
    const t1 = now();
    const done = new Promise<any>((res) => { waiting = res; });
    ws.send(JSON.stringify(msg));
    const response = await done;
    times.push(Number(now() - t1));
    if (failure) throw failure;
    previous = response.id;
    callId = callOf(response, mode);
  }
  ws.close();
  return times;
}

async function loop(mode: Mode, tag: string): Promise<{ total: number; turns: number[]; connect: number }> {
  await upstream.ask('tool-turns', { n: TURNS, tag });
  const started = now();
  let turns: number[];
  let connect = 0;
  if (mode === 'http-json' || mode === 'http-sse') turns = await httpLoop(mode === 'http-sse');
  else [connect, ...turns] = await wsLoop(mode === 'ws-stored');
  const total = Number(now() - started);
  // The upstream got the whole history on the last turn: 1 user message + 19 × (assistant call + tool output).
  const { count } = await upstream.ask<{ count: number }>('last-messages');
  if (count !== 1 + 2 * (TURNS - 1)) throw new Error(`${mode}: the last upstream request had ${count} messages, expected ${1 + 2 * (TURNS - 1)}`);
  return { total, turns, connect };
}

const samples: Record<Mode, { totals: number[]; turns: number[]; connects: number[]; lastTurn: number[] }> = Object.fromEntries(
  MODES.map((m) => [m, { totals: [], turns: [], connects: [], lastTurn: [] }]),
) as never;

console.error(`tool loop: ${TURNS} turns, ${LOOPS} loops per mode (+${WARMUP} warm-up), Switchboard from ${gateway.ready.build}`);
try {
  for (let i = 0; i < WARMUP + LOOPS; i++) {
    // Rotated each round, so no mode always runs right after another.
    const order = MODES.map((_, j) => MODES[(i + j) % MODES.length]);
    for (const mode of order) {
      const r = await loop(mode, `${mode}_${i}`);
      if (i < WARMUP) continue;
      const s = samples[mode];
      s.totals.push(r.total);
      s.turns.push(...r.turns);
      s.connects.push(r.connect);
      s.lastTurn.push(r.turns.at(-1)!);
    }
  }
} finally {
  await gateway.stop();
  await upstream.stop();
}

const ms = (us: number) => round(us / 1000, 2);
const result: Record<string, { loopMs: Summary; turnUs: Summary; lastTurnUs: Summary; connectUs?: Summary }> = {};
for (const mode of MODES) {
  const s = samples[mode];
  result[mode] = { loopMs: summarize(s.totals), turnUs: summarize(s.turns), lastTurnUs: summarize(s.lastTurn), ...(mode.startsWith('ws') ? { connectUs: summarize(s.connects) } : {}) };
}
const ratio = (a: Mode, b: Mode) => round(result[a].loopMs.p50 / result[b].loopMs.p50, 3);
const ratios = {
  'ws / http-sse': ratio('ws', 'http-sse'),
  'ws / http-json': ratio('ws', 'http-json'),
  'ws-stored / http-sse': ratio('ws-stored', 'http-sse'),
};

console.log(`\n${TURNS}-turn tool loop, ${LOOPS} loops per mode (p50 [p90]); per turn: every turn of every loop`);
console.log('mode        loop total ms       per turn ms        turn 20 ms         WS connect ms');
for (const mode of MODES) {
  const r = result[mode];
  console.log(`${mode.padEnd(11)} ${`${ms(r.loopMs.p50)} [${ms(r.loopMs.p90)}]`.padEnd(19)} ${`${ms(r.turnUs.p50)} [${ms(r.turnUs.p90)}]`.padEnd(18)} ${`${ms(r.lastTurnUs.p50)} [${ms(r.lastTurnUs.p90)}]`.padEnd(18)} ${r.connectUs ? ms(r.connectUs.p50) : '-'}`);
}
console.log(`ratios of loop total p50: ${Object.entries(ratios).map(([k, v]) => `${k} ${v}`).join(', ')}`);

mkdirSync(resolve(REPO_ROOT, 'bench/results'), { recursive: true });
writeFileSync(resolve(REPO_ROOT, 'bench/results/websocket-latest.json'), `${JSON.stringify({
  when: new Date().toISOString(), node: process.version, build: gateway.ready.build, turns: TURNS, loops: LOOPS, warmup: WARMUP,
  // summarize() reports µs; loop totals are converted to ms here.
  modes: Object.fromEntries(MODES.map((m) => [m, {
    loopMs: Object.fromEntries(Object.entries(result[m].loopMs).map(([k, v]) => [k, k === 'n' ? v : ms(v)])),
    turnUs: result[m].turnUs, lastTurnUs: result[m].lastTurnUs, connectUs: result[m].connectUs,
  }])),
  ratios,
}, null, 2)}\n`);
