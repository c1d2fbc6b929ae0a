/**
 * A `fetch` that holds every answer Switchboard gives to the Open Responses oracle (spec-oracle.ts), so that any
 * test talking to Switchboard — through the openai SDK, the Vercel AI SDK, the Agents SDK, `post()` or a bare
 * `fetch` — fails when a Response or an event is not what the spec says.
 *
 * - A 2xx JSON answer whose `object` is `response` (create, retrieve, cancel) is validated as a Response before
 *   the caller sees it; a violation rejects the fetch.
 * - A `text/event-stream` answer (a streamed create, `GET ?stream=true`) is passed through chunk by chunk; each
 *   complete event in a chunk is validated before the chunk is handed on, so a violating event never reaches
 *   the caller: the stream errors instead. Also checked: each event has an `event:` line equal to the data's
 *   `type` (the spec: "The `event` field MUST match the `type` in the event body"), `sequence_number`
 *   goes up by one from event to event (no gaps; a replay may start after 0), and a stream that ends ends with `data: [DONE]`.
 *
 * `installSpecCheckedFetch(origin)` puts it in place of `globalThis.fetch` for that origin only (every other
 * URL goes to the real fetch untouched) until the returned function is called.
 */
import { assertEvent, assertResponse, SpecViolation } from './spec-oracle.js';

const realFetch: typeof fetch = globalThis.fetch;
const watched = new Map<string, number>();

function report(err: Error): Error {
  // SDKs wrap a failed fetch in their own "Connection error"; print the violation so the reason is visible.
  if (err instanceof SpecViolation) console.error(err.message);
  return err;
}

/** `fetch` with every answer validated (whatever the origin). */
export const specCheckedFetch: typeof fetch = async (input, init) => checkAnswer(await realFetch(input, init), input, init);

async function checkAnswer(res: Response, input: Parameters<typeof fetch>[0], init: RequestInit | undefined): Promise<Response> {
  const type = res.headers.get('content-type') ?? '';
  const where = describe(input);
  if (type.startsWith('text/event-stream') && res.body) {
    const checked = res.body.pipeThrough(sseChecker(where));
    return rewrap(res, checked);
  }
  // DELETE answers {id, object: "response", deleted: true}, as OpenAI does: a receipt, not a Response.
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  if (!res.ok || !type.includes('application/json') || method === 'DELETE') return res;
  const text = await res.text();
  let body: any;
  try { body = JSON.parse(text); } catch { return rewrap(res, text); }
  if (body && typeof body === 'object' && body.object === 'response') {
    try { assertResponse(body, `the Response answered to ${where}`); } catch (e) { throw report(e as Error); }
  }
  return rewrap(res, text);
}

function describe(input: Parameters<typeof fetch>[0]): string {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  return url.pathname + url.search;
}

function rewrap(res: Response, body: BodyInit): Response {
  const out = new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  Object.defineProperty(out, 'url', { value: res.url });
  return out;
}

/** Passes SSE bytes through, validating each event before the chunk that completes it goes on. */
export function sseChecker(where: string): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  let buffer = '';
  let lastSeq: number | null = null;
  let done = false;
  const checkBlock = (block: string) => {
    if (!block.trim() || block.startsWith(':')) return;
    let event: string | null = null;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trimStart();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    const joined = data.join('\n');
    if (joined === '[DONE]') { done = true; return; }
    const what = `the stream of ${where}`;
    if (done) throw new SpecViolation(what, ['an event after [DONE]'], joined);
    let value: any;
    try { value = JSON.parse(joined); } catch { throw new SpecViolation(what, ['data is not JSON'], joined); }
    assertEvent(value, `an event of ${what}:`);
    if (event !== value.type) throw new SpecViolation(what, [`event: ${event ?? '(none)'} does not match type ${value.type}`], value);
    // "allows clients to order events and detect gaps": each event's number is the previous one's + 1.
    if (lastSeq !== null && value.sequence_number !== lastSeq + 1) throw new SpecViolation(what, [`sequence_number ${value.sequence_number} after ${lastSeq}`], value);
    lastSeq = value.sequence_number;
  };
  const drain = (final: boolean) => {
    buffer = buffer.replace(/\r\n?/g, '\n');
    let at: number;
    while ((at = buffer.indexOf('\n\n')) >= 0) {
      checkBlock(buffer.slice(0, at));
      buffer = buffer.slice(at + 2);
    }
    if (final && buffer.trim()) { checkBlock(buffer); buffer = ''; }
  };
  return new TransformStream({
    transform(chunk, controller) {
      buffer += decoder.decode(chunk, { stream: true });
      try { drain(false); } catch (e) { controller.error(report(e as Error)); return; }
      controller.enqueue(chunk);
    },
    flush(controller) {
      buffer += decoder.decode();
      try {
        drain(true);
        if (!done) throw new SpecViolation(`the stream of ${where}`, ['the stream ended without data: [DONE]'], null);
      } catch (e) { controller.error(report(e as Error)); }
    },
  });
}

/** Routes fetches to `origin` through the oracle until the returned function is called. */
export function installSpecCheckedFetch(origin: string): () => void {
  watched.set(origin, (watched.get(origin) ?? 0) + 1);
  if (globalThis.fetch === realFetch) globalThis.fetch = globalFetch;
  return () => {
    const n = (watched.get(origin) ?? 1) - 1;
    if (n > 0) watched.set(origin, n); else watched.delete(origin);
    if (watched.size === 0 && globalThis.fetch === globalFetch) globalThis.fetch = realFetch;
  };
}

const globalFetch: typeof fetch = async (input, init) => {
  const res = await realFetch(input, init);
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  let origin: string;
  try { origin = new URL(url).origin; } catch { return res; }
  return watched.has(origin) ? checkAnswer(res, input, init) : res;
};
