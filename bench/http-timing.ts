/**
 * One timed request over undici with a keep-alive Agent. Times are taken around the whole exchange as the
 * client sees it: from just before `request()` to the first SSE event line (`event:` or `data:`) and to the
 * last byte of the body. Every answer is checked (status 200, and the stream's terminal marker) so a broken
 * server cannot look fast.
 */
import { Agent, request } from 'undici';
import { now } from './stats.js';

export const agent = new Agent({ keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 });

export interface Target {
  name: string;
  url: string;
  body: string;
  /** Streaming: the text the end of the body must contain (`[DONE]`, `response.completed`). */
  streamEnd?: string;
}

export interface Timing {
  /** ns to the first SSE event line; equal to `total` for a JSON answer. */
  first: number;
  /** ns to the last byte. */
  total: number;
  /** The parsed JSON answer (non-streaming only, when asked for). */
  json?: any;
}

const HEADERS = { 'content-type': 'application/json', authorization: 'Bearer sk-bench' };
const FIRST_EVENT = /(^|\n)(event|data):/;

export async function timed(t: Target, opts: { parse?: boolean } = {}): Promise<Timing> {
  const t0 = now();
  const res = await request(t.url, { method: 'POST', headers: HEADERS, body: t.body, dispatcher: agent });
  if (!t.streamEnd) {
    const text = await res.body.text();
    const t1 = now();
    if (res.statusCode !== 200) throw new Error(`${t.name}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
    return { first: Number(t1 - t0), total: Number(t1 - t0), json: opts.parse ? JSON.parse(text) : undefined };
  }
  let first = 0n;
  let head = '';
  let tail = '';
  for await (const chunk of res.body) {
    const s = (chunk as Buffer).toString('utf8');
    if (!first) {
      head += s;
      if (FIRST_EVENT.test(head)) first = now();
    }
    tail = (tail + s).slice(-4096);
  }
  const t1 = now();
  if (res.statusCode !== 200) throw new Error(`${t.name}: HTTP ${res.statusCode}: ${head.slice(0, 300)}`);
  if (!tail.includes(t.streamEnd)) throw new Error(`${t.name}: stream ended without '${t.streamEnd}': …${tail.slice(-300)}`);
  return { first: Number((first || t1) - t0), total: Number(t1 - t0) };
}
