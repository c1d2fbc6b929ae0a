/**
 * One Responses WebSocket connection: `response.create` messages run one after another (a message that arrives
 * while a response runs waits its turn), each answered with the events SSE would carry, or one `error` message.
 * The connection stays usable after an error. Closing it cancels the running response, as an HTTP client
 * leaving does. A `store: false` response can be continued on this connection (continuation-cache.ts).
 */
import type { Duplex } from 'node:stream';
import type { WebSocket, RawData } from 'ws';
import { ApiError } from '../../api/errors.js';
import { Cancellation } from '../../api/cancellation.js';
import type { CreateParams } from '../../api/create-params.js';
import { newId } from '../../api/ids.js';
import { normalizeInput } from '../../responses/normalize-input.js';
import type { ResponsesService } from '../../responses/responses-service.js';
import type { RequestContext } from '../../store/request-context.js';
import type { Logger } from '../../log/logger.js';
import { toApiError } from '../send.js';
import { ContinuationCache, type CachedContext } from './continuation-cache.js';
import { errorEvent, namedPrevious, parseSocketMessage } from './socket-message.js';
import { runOverSocket, type SocketRunSink } from './run-over-socket.js';

export interface ResponsesSocketDeps {
  service: ResponsesService;
  log: Logger;
  /** Ping period; a connection that has not answered the previous ping by the next one is cut. 0: none. */
  pingMs: number;
  /** Connections end after this long (spec: "WebSocket connections are limited to 60 minutes"). */
  maxAgeMs: number;
  draining?: () => boolean;
}

/** Messages waiting behind the running response; one more closes the connection (1008). */
export const MAX_QUEUED_MESSAGES = 32;

/** Events written in one event-loop turn leave in one socket write (an upstream chunk often makes several). */
const FLUSH_AT_BYTES = 64 * 1024;

export class ResponsesSocket {
  private readonly queue: string[] = [];
  private readonly cache = new ContinuationCache();
  private running = false;
  private closed = false;
  private expired = false;
  private current: Cancellation | null = null;
  private corked = false;
  private alive = true;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
    private readonly ctx: RequestContext,
    private readonly deps: ResponsesSocketDeps,
  ) {
    ws.on('message', (data) => this.receive(data));
    ws.on('close', () => this.onClose());
    ws.on('error', () => ws.terminate());
    ws.on('pong', () => { this.alive = true; });
    if (deps.pingMs > 0) {
      this.timers.push(setInterval(() => {
        if (!this.alive) return void ws.terminate();
        this.alive = false;
        ws.ping();
      }, deps.pingMs));
    }
    this.timers.push(setTimeout(() => { this.expired = true; this.endIfExpired(); }, deps.maxAgeMs));
    for (const t of this.timers) t.unref();
  }

  /** For a shutdown, once running responses are done: the client is told to go elsewhere (1001). */
  goAway(): void {
    this.ws.close(1001, 'server shutting down');
    // A client that never answers the close frame does not hold the shutdown up for ws's 30 s.
    setTimeout(() => this.ws.terminate(), 1000).unref();
  }

  private receive(data: RawData): void {
    if (this.closed) return;
    // Text or binary frames alike: the JSON is read as UTF-8 (ws hands a Buffer unless told otherwise).
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
    if (this.queue.length >= MAX_QUEUED_MESSAGES) {
      // An error message now would land amid the running response's events, and answers must stay in the
      // order of the messages: a client this far ahead is cut instead (which cancels the running response).
      this.ws.close(1008, `more than ${MAX_QUEUED_MESSAGES} messages waiting behind the running response`);
      this.onClose();
      return;
    }
    this.queue.push(text);
    if (!this.running) void this.pump();
  }

  private async pump(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length && !this.closed && !this.expired) await this.handle(this.queue.shift()!);
    } finally {
      this.running = false;
    }
    this.endIfExpired();
  }

  private async handle(text: string): Promise<void> {
    const ctx: RequestContext = { ...this.ctx, requestId: newId('req') };
    const started = process.hrtime.bigint();
    try {
      if (this.deps.draining?.()) {
        throw new ApiError(503, 'The server is shutting down; open a new connection to another instance or later.', { type: 'server_error', code: 'server_shutdown' });
      }
      const params = parseSocketMessage(text);
      const prev = params.previous_response_id ?? null;
      const cached = prev ? this.cache.take(prev) : null;
      const effective = cached ? continuing(params, cached) : params;
      const cancel = (this.current = new Cancellation());
      const result = await runOverSocket(this.deps.service, ctx, effective, cancel, this.sink, cached ? { previous_response_id: cached.id } : {});
      const { response } = result;
      if (response.store === false && (response.status === 'completed' || response.status === 'incomplete')) {
        this.cache.set({
          id: response.id,
          storedBase: effective.previous_response_id ?? null,
          items: [...normalizeInput(effective.input), ...response.output],
        });
      }
    } catch (err) {
      const prev = namedPrevious(text);
      if (prev) this.cache.evict(prev);
      if (!(err instanceof ApiError)) this.deps.log.error({ request_id: ctx.requestId, err: String((err as Error)?.stack ?? err) }, 'unhandled error');
      this.send(errorEvent(toApiError(err)));
    } finally {
      this.current = null;
      if (this.deps.log.isLevelEnabled('debug')) {
        this.deps.log.debug({ request_id: ctx.requestId, transport: 'websocket', ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'websocket turn');
      }
    }
  }

  private readonly sink: SocketRunSink = {
    event: (json) => this.send(json),
    ready: () => {
      const s = this.socket;
      if (this.corked && s.writableLength >= FLUSH_AT_BYTES) this.uncork();
      if (!s.writableNeedDrain || s.destroyed) return null;
      return new Promise<void>((resolve) => {
        const done = () => { s.off('drain', done); s.off('close', done); resolve(); };
        s.on('drain', done);
        s.on('close', done);
      });
    },
  };

  private send(json: string): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    // ws writes each frame on its own; corked until the end of this event-loop turn, they leave together.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(this.uncork);
    }
    this.ws.send(json);
  }

  private readonly uncork = () => {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  };

  private endIfExpired(): void {
    if (!this.expired || this.running || this.closed) return;
    this.send(errorEvent(new ApiError(400, 'This WebSocket connection has reached its 60-minute limit; open a new connection.', { code: 'websocket_connection_limit_reached' })));
    this.uncork();
    this.ws.close(1000, 'connection limit reached');
  }

  private onClose(): void {
    this.closed = true;
    this.queue.length = 0;
    for (const t of this.timers) clearTimeout(t);
    // The running response stops as it would for an HTTP client that left: cancelled, its output so far stored.
    this.current?.cancel();
  }
}

/**
 * A continuation of this connection's cached `store: false` response: the service gets the cached context as
 * explicit input (after the stored base, if the chain began from a stored response) and the new input after it.
 */
function continuing(params: CreateParams, cached: CachedContext): CreateParams {
  return { ...params, previous_response_id: cached.storedBase, input: [...cached.items, ...normalizeInput(params.input)] };
}
