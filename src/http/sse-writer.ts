/**
 * Server-sent events in OpenAI's framing: `event: <type>` + `data: <json>`, then `data: [DONE]`.
 * Frames produced in the same event-loop turn go out in one socket write (an upstream chunk often yields
 * several events). Keep-alive comments go out when nothing has been written for a while (long reasoning
 * silences), so proxies and clients do not time the connection out.
 *
 * `connection` is left to node:http: keep-alive when the client wants it, and `close` (the socket closed after
 * `[DONE]`) when the request said `Connection: close` or is HTTP/1.0.
 *
 * Back-pressure: ready() tells the turn loop when the client's socket is full, so the upstream is not read
 * until it drains; a paused reader costs a socket's buffers, not the whole answer in memory.
 */
import type { ServerResponse } from 'node:http';

/** How long frames that have not gone out yet wait for the commit once the upstream is done (see hold()). */
export const HOLD_FIRST_WRITE_MS = 25;

/** Queued frames past this size go out at once rather than at the end of the event-loop turn (see ready()). */
const FLUSH_AT_CHARS = 64 * 1024;

export class SseWriter {
  private lastWrite = Date.now();
  private pending = '';
  private flushScheduled = false;
  private holding = false;
  private written = false;
  private timer: NodeJS.Timeout | null = null;
  private holdTimer: NodeJS.Timeout | null = null;
  private drained: Promise<void> | null = null;

  constructor(private readonly res: ServerResponse, headers: Record<string, string>, keepAliveMs: number) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      ...headers,
    });
    // No flushHeaders(): the headers leave with the first frames (created + in_progress, queued right after),
    // in one write instead of two.
    if (keepAliveMs > 0) {
      this.timer = setInterval(() => {
        if (Date.now() - this.lastWrite >= keepAliveMs) this.write(': keep-alive\n\n');
      }, Math.max(50, Math.floor(keepAliveMs / 2)));
      this.timer.unref();
    }
  }

  /** As a run's subscriber (engine/run.ts): each event becomes a frame. */
  event(type: string, json: string): void {
    this.frame(type, json);
  }

  /** As a run's subscriber: the commit is next (see hold()). */
  settling(): void {
    this.hold();
  }

  /** Queues one event frame; `json` is the event already serialized. */
  frame(type: string, json: string): void {
    this.pending += `event: ${type}\ndata: ${json}\n\n`;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  }

  /**
   * Null while the client's socket takes more (the usual case: nothing is allocated); when it is full, a
   * promise that settles once it drains or the client is gone. Frames queued in this event-loop turn past
   * FLUSH_AT_CHARS are written first, so a fast upstream meets the socket's limit instead of growing the queue.
   */
  ready(): Promise<void> | null {
    const res = this.res;
    if (this.pending.length >= FLUSH_AT_CHARS && !this.holding) this.flush();
    if (!res.writableNeedDrain) return null;
    return (this.drained ??= new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        this.drained = null;
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    }));
  }

  /**
   * The upstream is done and the response is being stored. Frames queued from now on wait for end(), so
   * the stream's tail leaves with the terminal event and `[DONE]` in one write instead of two.
   *
   * When nothing has gone out yet (the provider's whole answer arrived at once), everything waits: the stream
   * leaves in one write after the commit. There is no first token to hurry, and a second write costs more
   * than the commit delays it (bench/README.md). A commit that stalls does not hold the answer back for long:
   * after `firstWriteMaxWaitMs`, the frames so far leave without the terminal event.
   */
  hold(firstWriteMaxWaitMs = HOLD_FIRST_WRITE_MS): void {
    this.holding = true;
    if (this.written || !this.pending) return;
    this.holdTimer = setTimeout(() => {
      this.holdTimer = null;
      this.holding = false;
      this.flush();
      this.holding = true;
    }, firstWriteMaxWaitMs);
  }

  private readonly flush = () => {
    this.flushScheduled = false;
    if (!this.pending || this.holding) return;
    const chunk = this.pending;
    this.pending = '';
    this.write(chunk);
  };

  end(): void {
    this.stop();
    if (this.res.writableEnded || this.res.destroyed) return;
    const rest = this.pending;
    this.pending = '';
    this.res.end(`${rest}data: [DONE]\n\n`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.timer = null;
    this.holdTimer = null;
  }

  private write(chunk: string) {
    if (this.res.writableEnded || this.res.destroyed) return;
    this.written = true;
    this.lastWrite = Date.now();
    this.res.write(chunk);
  }
}
