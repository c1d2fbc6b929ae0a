/**
 * `Idempotency-Key` on creating POSTs, at the HTTP layer: a route opts in with `idempotent: true` in the
 * route table (server.ts), and its handler runs inside `Idempotency.run`, which knows nothing of what the
 * handler does. The answer is recorded as the bytes the handler writes (status, headers, body), so a JSON
 * answer, an SSE stream, a `store: false` response and a file upload replay alike.
 *
 * Per (tenant, key):
 * - first request: runs; if it succeeds — a 2xx answer written to the end, and for a stream, one whose last
 *   event is not `response.failed` or `error` — the answer is recorded before its last bytes leave (a client
 *   that has seen the answer and retries always finds the record). Any other outcome — a 4xx, a 5xx, a stream
 *   that failed or was cut off, a client gone before the end — records nothing and frees the key.
 * - same key, same request (method, route, body bytes): the recorded answer, `idempotent-replayed: true`,
 *   without running the handler.
 * - same key, another request: 409 `idempotency_key_conflict`, `x-should-retry: false`.
 * - same key while the first still runs: 409 `idempotency_key_in_use`, `retry-after: 1`, `x-should-retry:
 *   true` (the `openai` SDK retries it, then gets the replay once the first is done).
 */
import { createHash, type Hash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../api/errors.js';
import type { Logger } from '../log/logger.js';
import type { RequestContext } from '../store/request-context.js';
import type { IdempotencyStore, RecordedAnswer } from '../store/idempotency-store.js';

export const MAX_KEY_LENGTH = 255;

const EVENT_LINE = /^event: ([^\n]*)$/gm;

/** Headers that belong to one HTTP exchange, not to the answer: never recorded. */
const NOT_REPLAYED = new Set(['content-length', 'connection', 'keep-alive', 'transfer-encoding', 'date', 'x-request-id']);

export interface IdempotencyOptions {
  ttlMs: number;
  /** Answers larger than this are not kept (see `replay`). */
  maxRecordedBytes: number;
  log?: Logger;
  now?: () => number;
}

export class Idempotency {
  private readonly now: () => number;

  constructor(private readonly store: IdempotencyStore, private readonly opts: IdempotencyOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** `route`: the route's path as the table writes it (`/responses`), so `/v1/…` and `/…` are one request. */
  async run(ctx: RequestContext, route: string, req: IncomingMessage, res: ServerResponse, handler: () => Promise<void>): Promise<void> {
    const key = idempotencyKey(req);
    if (key === null) return handler();
    const now = this.now();
    const claim = await this.store.claim(ctx.tenant, key, now, now + this.opts.ttlMs);
    if (!claim.claimed) {
      if (claim.record.state === 'in_progress') throw inUse();
      const hash = await hashBody(req, route);
      if (hash !== claim.record.requestHash) throw conflict();
      this.opts.log?.debug({ request_id: ctx.requestId }, 'idempotent replay');
      return replay(res, claim.record.answer);
    }
    const hasher = requestHasher(req, route);
    const spy = spyOnBody(req, hasher);
    const recorder = new AnswerRecorder(this.opts.maxRecordedBytes);
    recorder.attach(res, async (answer) => {
      spy.stop();
      const complete = answer !== null && answer.status >= 200 && answer.status < 300 && spy.ended && !recorder.streamFailed;
      try {
        if (complete) await this.store.complete(ctx.tenant, key, hasher.digest(), answer);
        else await this.store.release(ctx.tenant, key);
      } catch (err) {
        // The client still gets its answer; only a retry's replay is lost (it would run again).
        this.opts.log?.warn({ request_id: ctx.requestId, err: String(err) }, 'idempotency record not written');
        if (complete) await this.store.release(ctx.tenant, key).catch(() => {});
      }
    });
    await handler();
  }

  sweep(): Promise<number> {
    return this.store.sweep(this.now());
  }
}

function idempotencyKey(req: IncomingMessage): string | null {
  const raw = req.headers['idempotency-key'];
  if (raw === undefined) return null;
  const key = Array.isArray(raw) ? raw[0] ?? '' : raw;
  if (!key || key.length > MAX_KEY_LENGTH) {
    throw new ApiError(400, `The Idempotency-Key header must be 1 to ${MAX_KEY_LENGTH} characters long.`, { code: 'invalid_idempotency_key' });
  }
  return key;
}

function inUse(): ApiError {
  return new ApiError(409, 'A request with this Idempotency-Key is still being processed; retry it once that one has finished to get its result.', {
    code: 'idempotency_key_in_use', headers: { 'retry-after': '1', 'x-should-retry': 'true' },
  });
}

function conflict(): ApiError {
  return new ApiError(409, 'This Idempotency-Key was already used with a different request (method, path or body); use a new key for a new request.', {
    code: 'idempotency_key_conflict', headers: { 'x-should-retry': 'false' },
  });
}

function replay(res: ServerResponse, answer: RecordedAnswer): void {
  if (answer.body === null) {
    throw new ApiError(409, `The first request with this Idempotency-Key succeeded (HTTP ${answer.status}), but its answer (${answer.bodyBytes} bytes) was too large to keep for replay (idempotency.max_recorded_mb).`, {
      code: 'idempotency_result_unavailable', headers: { 'x-should-retry': 'false' },
    });
  }
  const body = Buffer.from(answer.body, 'utf8');
  res.writeHead(answer.status, { ...answer.headers, 'content-length': body.length, 'idempotent-replayed': 'true' });
  res.end(body);
}

/**
 * What identifies a request: method, route and body bytes. A multipart body's boundary is random per
 * serialization (the SDK draws a new one on each retry), so it is left out of the hash.
 */
interface RequestHasher { update(chunk: Buffer): void; digest(): string }

function requestHasher(req: IncomingMessage, route: string): RequestHasher {
  const hash = createHash('sha256').update(`${req.method ?? 'POST'}\n${route}\n`);
  const boundary = /^multipart\/form-data;.*\bboundary=(?:"([^"]+)"|([^\s;]+))/i.exec(req.headers['content-type'] ?? '');
  const b = boundary ? boundary[1] ?? boundary[2] : undefined;
  return b ? new BoundaryBlindHasher(hash, Buffer.from(b)) : { update: (c) => hash.update(c), digest: () => hash.digest('hex') };
}

/** Hashes a stream with every occurrence of `boundary` replaced by a fixed token, across chunk edges. */
class BoundaryBlindHasher implements RequestHasher {
  private carry = Buffer.alloc(0);
  constructor(private readonly hash: Hash, private readonly boundary: Buffer) {}

  update(chunk: Buffer): void {
    let buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    let at: number;
    while ((at = buf.indexOf(this.boundary)) >= 0) {
      this.hash.update(buf.subarray(0, at)).update('\0boundary\0');
      buf = buf.subarray(at + this.boundary.length);
    }
    // The tail might be the start of a boundary split across chunks: keep it for the next one.
    const keep = Math.min(buf.length, this.boundary.length - 1);
    this.hash.update(buf.subarray(0, buf.length - keep));
    this.carry = Buffer.from(buf.subarray(buf.length - keep));
  }

  digest(): string {
    return this.hash.update(this.carry).digest('hex');
  }
}

/** Reads the body of a request that will not be handled (a replay candidate) just to hash it. */
async function hashBody(req: IncomingMessage, route: string): Promise<string> {
  const hasher = requestHasher(req, route);
  for await (const chunk of req) hasher.update(chunk as Buffer);
  return hasher.digest();
}

/**
 * Sees the body's chunks as the handler reads them, without reading it itself: a `data` listener would switch
 * the stream to flowing mode and take chunks from a handler that starts reading after an await.
 */
function spyOnBody(req: IncomingMessage, hasher: RequestHasher): { readonly ended: boolean; stop(): void } {
  const state = { ended: req.readableEnded, stop: () => { req.emit = emit; } };
  const emit = req.emit;
  req.emit = function (this: IncomingMessage, event: string | symbol, ...args: unknown[]) {
    if (event === 'data') hasher.update(args[0] as Buffer);
    else if (event === 'end') state.ended = true;
    return emit.call(this, event, ...args);
  } as typeof req.emit;
  return state;
}

/**
 * Copies what the handler writes. `res.end` is held until `settle` has run (the record is written), then the
 * answer's last bytes go out. A response that closes without `end` settles with null.
 */
class AnswerRecorder {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private lastEvent: string | null = null;
  private res: ServerResponse | null = null;

  /** An SSE answer ended in failure (a 200 whose stream says the response failed): not a result to keep. */
  get streamFailed(): boolean {
    return this.lastEvent === 'response.failed' || this.lastEvent === 'error';
  }

  constructor(private readonly limit: number) {}

  private isSse(): boolean {
    return String(this.res?.getHeader('content-type') ?? '').startsWith('text/event-stream');
  }

  attach(res: ServerResponse, settle: (answer: RecordedAnswer | null) => Promise<void>): void {
    this.res = res;
    let settled = false;
    const write = res.write;
    const end = res.end;
    const restore = () => { res.write = write; res.end = end; };
    res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      recorder.add(chunk, rest[0]);
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof res.write;
    res.end = function (this: ServerResponse, ...args: unknown[]) {
      restore();
      if (settled) return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
      settled = true;
      if (typeof args[0] !== 'function') recorder.add(args[0], args[1]);
      void settle(recorder.answer(res)).finally(() => (end as (...a: unknown[]) => ServerResponse).apply(res, args));
      return this;
    } as typeof res.end;
    res.once('close', () => {
      restore();
      if (settled) return;
      settled = true;
      void settle(null);
    });
    const recorder = this;
  }

  private add(chunk: unknown, encoding: unknown): void {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? encoding as BufferEncoding : 'utf8') : Buffer.from(chunk as Uint8Array);
    this.bytes += buf.length;
    // SSE frames are written whole (sse-writer.ts), so a chunk's `event:` lines are complete.
    if (this.isSse()) for (const m of buf.toString('utf8').matchAll(EVENT_LINE)) this.lastEvent = m[1]!;
    if (this.bytes <= this.limit) this.chunks.push(buf);
    else this.chunks = [];
  }

  private answer(res: ServerResponse): RecordedAnswer {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.getHeaders())) {
      if (value === undefined || NOT_REPLAYED.has(name)) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    const original = res.getHeader('x-request-id');
    if (original !== undefined) headers['original-request-id'] = String(original);
    const body = this.bytes <= this.limit ? Buffer.concat(this.chunks).toString('utf8') : null;
    return { status: res.statusCode, headers, body, bodyBytes: this.bytes };
  }
}
