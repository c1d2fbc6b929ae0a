/**
 * The one way adapters talk HTTP to upstreams: a keep-alive undici Agent per provider, timeouts, vendor error
 * bodies turned into UpstreamError, and SSE framing.
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

/** Where a failure happened, for its message: which provider, which limits, which kind of call. */
export interface UpstreamPlace {
  provider: string;
  limits: Limits;
  /** `stream`: an SSE call; `whole`: a call answered in one piece. */
  call: 'stream' | 'whole';
}

interface Limits { connect: number; firstByte: number; nonStream: number; idle: number; keepAliveMax: number }

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
      firstEventLate: () => timeout(place, `sent no event within ${firstByte} ms (timeouts.first_byte_ms)`),
      eventGapMs: keepAliveMax,
      eventGapLate: () => timeout(place, `sent no event for ${keepAliveMax} ms, only keep-alive comments (timeouts.keepalive_max_ms)`),
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
      ? setTimeout(() => res.abort(timeout(place, `did not finish its answer within ${limit} ms (timeouts.non_stream_ms)`)), Math.max(0, sentAt + limit - Date.now()))
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

/**
 * Any failure of an upstream exchange as an UpstreamError. The message names the provider and the error code
 * (`ECONNREFUSED`, `UND_ERR_SOCKET`…) but never the upstream's host, address or port: node's own messages
 * (`connect ECONNREFUSED 10.0.0.7:8000`) go in `detail`, for the logs only. `answering`: the upstream's
 * answer had begun (its headers arrived).
 */
export function toUpstreamError(err: unknown, signal?: CancelSignal, place?: UpstreamPlace, answering = false): UpstreamError {
  if (err instanceof UpstreamError) return err;
  if (signal?.aborted) return new UpstreamError('request aborted', { code: 'aborted' });
  const detail = err instanceof Error ? `${err.message}${causeOf(err)}` : String(err);
  const provider = place ? `provider '${place.provider}'` : 'the provider';
  if (err instanceof undiciErrors.ConnectTimeoutError) {
    const limit = place ? ` within ${place.limits.connect} ms (timeouts.connect_ms)` : '';
    return new UpstreamError(`${provider} did not accept a connection${limit}`, { code: 'upstream_timeout', detail });
  }
  if (err instanceof undiciErrors.HeadersTimeoutError) {
    const limit = !place ? '' : place.call === 'whole'
      ? ` within ${place.limits.nonStream} ms (timeouts.non_stream_ms)`
      : ` within ${place.limits.firstByte} ms (timeouts.first_byte_ms)`;
    return new UpstreamError(`${provider} sent no answer${limit}`, { code: 'upstream_timeout', detail });
  }
  if (err instanceof undiciErrors.BodyTimeoutError) {
    const limit = place ? ` for ${place.limits.idle} ms (timeouts.idle_ms)` : '';
    return new UpstreamError(`${provider} went silent mid-answer${limit}`, { code: 'upstream_timeout', detail });
  }
  const code = errorCode(err);
  const message = answering
    ? `the connection to ${provider} broke off mid-answer (${code})`
    : `could not connect to ${provider} (${code})`;
  return new UpstreamError(message, { code: 'upstream_connection_error', detail });
}

function timeout(place: UpstreamPlace, what: string): UpstreamError {
  return new UpstreamError(`provider '${place.provider}' ${what}`, { code: 'upstream_timeout' });
}

/** `ECONNREFUSED`, `ENOTFOUND`, `UND_ERR_SOCKET`…: the error's own code, or its cause's, or its name. */
function errorCode(err: unknown): string {
  const own = (err as { code?: unknown } | null)?.code;
  if (typeof own === 'string' && own) return own;
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (typeof cause === 'string' && cause) return cause;
  return err instanceof Error ? err.name : 'unknown error';
}

function causeOf(err: Error): string {
  const c = (err as { cause?: unknown }).cause;
  return c instanceof Error ? ` (${c.message})` : '';
}

/** How an SSE stream is timed (see UpstreamClient.postSse). */
export interface StreamWatch {
  /** Ends the request; the error surfaces from the body. */
  abort(err: Error): void;
  /** Epoch ms by which the first event must have arrived (Infinity: no limit). */
  firstEventBy: number;
  firstEventLate(): UpstreamError;
  /**
   * The longest gap between events once one has come (0: no limit): SSE comments keep the bytes flowing, but
   * are no event.
   */
  eventGapMs: number;
  eventGapLate(): UpstreamError;
  place?: UpstreamPlace;
  /** An event type that is timed like a comment (Anthropic's `ping`). */
  keepAliveEvent?: string;
}

/**
 * Frames an SSE body into messages; body errors (timeouts, resets) surface as UpstreamError. With `watch`,
 * a stream that sends no event in time (only `: keep-alive` comments, say) is ended with the watch's error.
 */
export async function* sseMessages(body: AsyncIterable<Buffer>, signal?: CancelSignal, watch?: StreamWatch): AsyncGenerator<SseMessage> {
  const queue: SseMessage[] = [];
  let sawEvent = false;
  const keepAlive = watch?.keepAliveEvent;
  const parser = createParser({
    onEvent: (m: EventSourceMessage) => {
      queue.push({ event: m.event, data: m.data });
      if (keepAlive === undefined || m.event !== keepAlive) sawEvent = true;
    },
  });
  const decoder = new StringDecoder('utf8');
  /** When the last event came (0: none yet), and whether we are waiting on the upstream (not on our reader). */
  let lastEvent = 0;
  let reading = false;
  let timer: NodeJS.Timeout | null = null;
  const due = () => (lastEvent ? (watch!.eventGapMs > 0 ? lastEvent + watch!.eventGapMs : Infinity) : watch!.firstEventBy);
  const check = () => {
    const now = Date.now();
    if (reading && now >= due()) {
      timer = null;
      watch!.abort(lastEvent ? watch!.eventGapLate() : watch!.firstEventLate());
      return;
    }
    // A reader that is slow to take the next event is not a silent upstream.
    if (!reading && lastEvent) lastEvent = now;
    arm(Math.max(due() - now, 50));
  };
  /** Infinity (a limit of 0: none) leaves no timer running. */
  const arm = (ms: number) => {
    timer = Number.isFinite(ms) ? setTimeout(check, ms) : null;
    timer?.unref();
  };
  if (watch) arm(Math.max(watch.firstEventBy - Date.now(), 0));
  const it = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      reading = true;
      const next = await it.next();
      reading = false;
      if (next.done) break;
      parser.feed(decoder.write(next.value));
      if (sawEvent && watch) {
        sawEvent = false;
        if (!lastEvent) {
          // The first event: from now on the (maybe shorter) gap between events is what is timed.
          if (timer) clearTimeout(timer);
          arm(watch.eventGapMs > 0 ? watch.eventGapMs : Infinity);
        }
        lastEvent = Date.now();
      }
      while (queue.length) yield queue.shift()!;
    }
  } catch (err) {
    throw toUpstreamError(err, signal, watch?.place, true);
  } finally {
    if (timer) clearTimeout(timer);
    reading = false;
    await it.return?.();
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
