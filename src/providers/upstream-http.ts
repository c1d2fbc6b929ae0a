/**
 * The one way adapters talk HTTP to upstreams: a keep-alive undici Agent per provider, timeouts, vendor error
 * bodies turned into UpstreamError (upstream-errors.ts), and SSE framing (sse-messages.ts).
 *
 * Timeouts (ProviderConfig.timeouts): a streamed call must deliver its headers and first event within
 * `firstByte`; after that, no byte for `idle` or nothing but SSE comments for `keepAliveMax` ends it. A call
 * answered in one piece must be complete within `nonStream`. Errors say what happened and name the provider,
 * never the upstream's host, address or port (clients see them); the raw cause goes in `detail` for the logs.
 *
 * Requests go through undici's low-level `dispatch` (handler callbacks) rather than `request()`: no URL
 * parsing, Readable body, async-iterator or AbortSignal plumbing per request, which was ~15 % of the
 * gateway's CPU per request under load (bench/).
 */
import type { CancelSignal } from '../api/cancellation.js';
import { Agent, type Dispatcher } from 'undici';
import { UpstreamError } from '../api/errors.js';
import type { ProviderConfig } from '../config/types.js';
import { sseMessages, type SseMessage } from './sse-messages.js';
import { extractErrorMessage, toUpstreamError, upstreamTimeout, type Limits, type UpstreamPlace } from './upstream-errors.js';

/** A request body already serialized as JSON, as text or UTF-8 bytes (sent as is, not stringified again). */
export class JsonBody {
  constructor(readonly json: string | Buffer) {}
}

export class UpstreamClient {
  private readonly agent: Agent;
  private readonly origin: string;
  /** The base URL's path, e.g. `/v1`. */
  private readonly basePath: string;
  private readonly streamPlace: UpstreamPlace;
  private readonly wholePlace: UpstreamPlace;

  constructor(private readonly config: ProviderConfig) {
    const base = new URL(config.baseUrl);
    this.origin = base.origin;
    this.basePath = base.pathname;
    const t = config.timeouts;
    const limits: Limits = {
      connect: t.connect, firstByte: t.firstByte, nonStream: t.nonStream ?? t.firstByte, idle: t.idle, keepAliveMax: t.keepAliveMax ?? t.idle,
    };
    this.streamPlace = { provider: config.name, limits, call: 'stream' };
    this.wholePlace = { provider: config.name, limits, call: 'whole' };
    this.agent = new Agent({
      connect: { timeout: t.connect },
      headersTimeout: limits.firstByte,
      bodyTimeout: limits.idle,
      keepAliveTimeout: 30_000,
      pipelining: 1,
    });
  }

  /**
   * POSTs JSON and returns the response's SSE messages. Rejects with UpstreamError on a non-2xx answer.
   * `keepAliveEvent`: an event type the vendor sends only to keep the connection open (Anthropic's `ping`),
   * timed like an SSE comment.
   */
  async postSse(path: string, body: unknown, headers: Record<string, string>, signal: CancelSignal, keepAliveEvent?: string): Promise<AsyncIterable<SseMessage>> {
    const sentAt = Date.now();
    const place = this.streamPlace;
    const res = await this.send('POST', path, body, { ...headers, accept: 'text/event-stream' }, signal, place);
    const { firstByte, keepAliveMax } = place.limits;
    return sseMessages(res.body, signal, {
      abort: res.abort,
      firstEventBy: firstByte > 0 ? sentAt + firstByte : Infinity,
      firstEventLate: () => upstreamTimeout(place, `sent no event within ${firstByte} ms (timeouts.first_byte_ms)`),
      eventGapMs: keepAliveMax,
      eventGapLate: () => upstreamTimeout(place, `sent no event for ${keepAliveMax} ms, only keep-alive comments (timeouts.keepalive_max_ms)`),
      place,
      keepAliveEvent,
    });
  }

  /**
   * POSTs (or GETs, when body is undefined) JSON and returns the parsed JSON answer, which must be complete
   * within `timeouts.nonStream`.
   */
  async json<T = unknown>(method: 'GET' | 'POST', path: string, body: unknown, headers: Record<string, string>, signal: CancelSignal): Promise<T> {
    const sentAt = Date.now();
    const place = this.wholePlace;
    const res = await this.send(method, path, body, { ...headers, accept: 'application/json' }, signal, place);
    const limit = place.limits.nonStream;
    // Some servers send the headers at once and the answer (or keep-alive whitespace) later.
    const timer = limit > 0
      ? setTimeout(() => res.abort(upstreamTimeout(place, `did not finish its answer within ${limit} ms (timeouts.non_stream_ms)`)), Math.max(0, sentAt + limit - Date.now()))
      : undefined;
    let text: string;
    try {
      text = await readText(res.body);
    } catch (err) {
      throw toUpstreamError(err, signal, place, true);
    } finally {
      clearTimeout(timer);
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new UpstreamError(`upstream answered with invalid JSON: ${text.slice(0, 200)}`, { status: 502, code: 'upstream_bad_response' });
    }
  }

  private async send(method: 'GET' | 'POST', path: string, body: unknown, headers: Record<string, string>, signal: CancelSignal, place: UpstreamPlace) {
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
        headersTimeout: place.call === 'whole' ? place.limits.nonStream : place.limits.firstByte,
      }, signal);
    } catch (err) {
      throw toUpstreamError(err, signal, place, false);
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
  /** Ends the request; `err` surfaces from `body`. */
  abort(err: Error): void;
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
        resolve({ statusCode, headers, body, abort: (err) => controller?.abort(err) });
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
