/**
 * The one way adapters talk HTTP to upstreams: a keep-alive undici Agent per provider, timeouts for
 * connect / first byte / idle gaps, vendor error bodies turned into UpstreamError, and SSE framing.
 *
 * Requests go through undici's low-level `dispatch` (handler callbacks) rather than `request()`: no URL
 * parsing, Readable body, async-iterator or AbortSignal plumbing per request, which was ~15 % of the
 * gateway's CPU per request under load (bench/).
 */
import type { CancelSignal } from '../api/cancellation.js';
import { StringDecoder } from 'node:string_decoder';
import { Agent, errors as undiciErrors, type Dispatcher } from 'undici';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { UpstreamError } from '../api/errors.js';
import type { ProviderConfig } from '../config/types.js';

export interface SseMessage { event: string | undefined; data: string }

/** A request body already serialized as JSON, as text or UTF-8 bytes (sent as is, not stringified again). */
export class JsonBody {
  constructor(readonly json: string | Buffer) {}
}

export class UpstreamClient {
  private readonly agent: Agent;
  private readonly origin: string;
  /** The base URL's path, e.g. `/v1`. */
  private readonly basePath: string;

  constructor(private readonly config: ProviderConfig) {
    const base = new URL(config.baseUrl);
    this.origin = base.origin;
    this.basePath = base.pathname;
    this.agent = new Agent({
      connect: { timeout: config.timeouts.connect },
      headersTimeout: config.timeouts.firstByte,
      bodyTimeout: config.timeouts.idle,
      keepAliveTimeout: 30_000,
      pipelining: 1,
    });
  }

  /** POSTs JSON and returns the response's SSE messages. Rejects with UpstreamError on a non-2xx answer. */
  async postSse(path: string, body: unknown, headers: Record<string, string>, signal: CancelSignal): Promise<AsyncIterable<SseMessage>> {
    const res = await this.send('POST', path, body, { ...headers, accept: 'text/event-stream' }, signal);
    return sseMessages(res.body, signal);
  }

  /** POSTs (or GETs, when body is undefined) JSON and returns the parsed JSON answer. */
  async json<T = unknown>(method: 'GET' | 'POST', path: string, body: unknown, headers: Record<string, string>, signal: CancelSignal): Promise<T> {
    const res = await this.send(method, path, body, { ...headers, accept: 'application/json' }, signal);
    let text: string;
    try {
      text = await readText(res.body);
    } catch (err) {
      throw toUpstreamError(err, signal);
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new UpstreamError(`upstream answered with invalid JSON: ${text.slice(0, 200)}`, { status: 502, code: 'upstream_bad_response' });
    }
  }

  private async send(method: 'GET' | 'POST', path: string, body: unknown, headers: Record<string, string>, signal: CancelSignal) {
    let res: UpstreamResponse;
    try {
      res = await exchange(this.agent, {
        origin: this.origin,
        path: joinUrl(this.basePath, path),
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...this.config.headers,
          ...headers,
        },
        body: body === undefined ? null : body instanceof JsonBody ? body.json : JSON.stringify(body),
      }, signal);
    } catch (err) {
      throw toUpstreamError(err, signal);
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return res;
    const text = await readText(res.body).catch(() => '');
    const retryAfter = headerValue(res.headers['retry-after']) ?? retryDelayInBody(text);
    throw new UpstreamError(extractErrorMessage(text, res.statusCode), { status: res.statusCode, retryAfter });
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

interface UpstreamResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Buffer>;
}

/**
 * One request through `dispatch`: resolves when the response headers arrive; the body is then read as an
 * async iterable of chunks (errors and timeouts while reading surface from it). Aborting `signal` aborts the
 * request at any point.
 */
function exchange(agent: Agent, opts: Dispatcher.DispatchOptions, signal: CancelSignal): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    const aborted = () => new UpstreamError('request aborted', { code: 'aborted' });
    if (signal.aborted) return reject(aborted());
    let controller: Dispatcher.DispatchController | null = null;
    let started = false;
    // A reader that stops early (an error in the stream, a consumer that gave up) ends the request: the
    // upstream must not go on generating for nobody.
    const body = new ChunkQueue(() => controller?.abort(new UpstreamError('response body abandoned', { code: 'aborted' })), {
      pause: () => controller?.pause(),
      resume: () => controller?.resume(),
    });
    const onAbort = () => {
      if (controller) controller.abort(aborted());
      else reject(aborted()); // still connecting: settle now, abort once the request starts
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const done = () => signal.removeEventListener('abort', onAbort);
    agent.dispatch(opts, {
      onRequestStart(c) {
        controller = c;
        if (signal.aborted) c.abort(aborted());
      },
      onResponseStart(_c, statusCode, headers) {
        if (statusCode < 200) return; // 1xx informational
        started = true;
        resolve({ statusCode, headers, body });
      },
      onResponseData(_c, chunk) {
        body.push(chunk);
      },
      onResponseEnd() {
        done();
        body.end(null);
      },
      onResponseError(_c, err) {
        done();
        if (started) body.end(err);
        else reject(err);
      },
    });
  });
}

/**
 * How much of an upstream body is buffered ahead of its reader before the upstream socket is paused: a reader
 * that stops (a client that does not read its stream) then holds the upstream back over TCP instead of the
 * whole answer piling up here.
 */
const BODY_HIGH_WATER_BYTES = 64 * 1024;

/** Chunks pushed by the dispatch handler, read with `for await`; `abandon` runs if the reader stops early. */
class ChunkQueue implements AsyncIterable<Buffer> {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private paused = false;
  private ended = false;
  private error: Error | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly abandon: () => void, private readonly flow: { pause(): void; resume(): void }) {}

  push(chunk: Buffer) {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (this.bytes >= BODY_HIGH_WATER_BYTES && !this.paused) {
      this.paused = true;
      this.flow.pause();
    }
    this.notify();
  }

  end(error: Error | null) {
    this.ended = true;
    this.error = error;
    this.notify();
  }

  private notify() {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    try {
      for (;;) {
        if (this.chunks.length) {
          const batch = this.chunks;
          this.chunks = [];
          this.bytes = 0;
          if (this.paused) {
            this.paused = false;
            this.flow.resume();
          }
          yield* batch;
          continue;
        }
        if (this.ended) {
          if (this.error) throw this.error;
          return;
        }
        await new Promise<void>((r) => { this.wake = r; });
      }
    } finally {
      if (!this.ended) this.abandon();
    }
  }
}

export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`);
}

/** Google puts the wait in the error body (`google.rpc.RetryInfo`: `"retryDelay": "37s"`), not in a header. */
function retryDelayInBody(text: string): string | null {
  const m = /"retryDelay"\s*:\s*"(\d+(?:\.\d+)?)s"/.exec(text);
  return m ? String(Math.ceil(Number(m[1]))) : null;
}

function headerValue(v: string | string[] | undefined): string | null {
  if (v === undefined) return null;
  return Array.isArray(v) ? (v[0] ?? null) : v;
}

async function readText(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

/** Vendors nest their message differently: `{error:{message}}`, `{error:"…"}`, `{message}`, `[{error:{…}}]`. */
export function extractErrorMessage(text: string, status: number): string {
  try {
    let j = JSON.parse(text) as unknown;
    if (Array.isArray(j)) j = j[0];
    if (j && typeof j === 'object') {
      const o = j as Record<string, unknown>;
      const e = o.error;
      if (typeof e === 'string') return e;
      if (e && typeof e === 'object' && typeof (e as Record<string, unknown>).message === 'string') {
        return (e as Record<string, string>).message;
      }
      if (typeof o.message === 'string') return o.message;
    }
  } catch {
    /* not JSON: fall through */
  }
  const trimmed = text.trim().slice(0, 500);
  return trimmed ? `HTTP ${status}: ${trimmed}` : `HTTP ${status}`;
}

export function toUpstreamError(err: unknown, signal?: CancelSignal): UpstreamError {
  if (err instanceof UpstreamError) return err;
  if (signal?.aborted) return new UpstreamError('request aborted', { code: 'aborted' });
  if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError ||
      err instanceof undiciErrors.ConnectTimeoutError) {
    return new UpstreamError(`upstream timed out (${(err as Error).message})`, { code: 'upstream_timeout' });
  }
  const message = err instanceof Error ? `${err.message}${causeOf(err)}` : String(err);
  return new UpstreamError(`could not reach upstream: ${message}`, { code: 'upstream_connection_error' });
}

function causeOf(err: Error): string {
  const c = (err as { cause?: unknown }).cause;
  return c instanceof Error ? ` (${c.message})` : '';
}

/** Frames an SSE body into messages; body errors (timeouts, resets) surface as UpstreamError. */
export async function* sseMessages(body: AsyncIterable<Buffer>, signal?: CancelSignal): AsyncGenerator<SseMessage> {
  const queue: SseMessage[] = [];
  const parser = createParser({
    onEvent: (m: EventSourceMessage) => { queue.push({ event: m.event, data: m.data }); },
  });
  const decoder = new StringDecoder('utf8');
  try {
    for await (const chunk of body) {
      parser.feed(decoder.write(chunk));
      while (queue.length) yield queue.shift()!;
    }
  } catch (err) {
    throw toUpstreamError(err, signal);
  }
  parser.feed(decoder.end());
  while (queue.length) yield queue.shift()!;
}

/** One SSE `data:` payload as a JSON object; anything else is the upstream's fault (`upstream_bad_response`). */
export function parseJsonChunk<T>(data: string): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    throw new UpstreamError(`upstream sent a malformed stream chunk: ${data.slice(0, 200)}`, { code: 'upstream_bad_response' });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UpstreamError(`upstream sent an unexpected stream chunk: ${data.slice(0, 200)}`, { code: 'upstream_bad_response' });
  }
  return parsed as T;
}
