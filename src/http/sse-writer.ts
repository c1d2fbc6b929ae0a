/**
 * Server-sent events in OpenAI's framing: `event: <type>` + `data: <json>`, then `data: [DONE]`.
 * Frames produced in the same event-loop turn go out in one socket write (an upstream chunk often yields
 * several events). Keep-alive comments go out when nothing has been written for a while (long reasoning
 * silences), so proxies and clients do not time the connection out.
 */
import type { ServerResponse } from 'node:http';

export class SseWriter {
  private lastWrite = Date.now();
  private pending = '';
  private flushScheduled = false;
  private holding = false;
  private written = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly res: ServerResponse, headers: Record<string, string>, keepAliveMs: number) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
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

  /** Queues one event frame; `json` is the event already serialized. */
  frame(type: string, json: string): void {
    this.pending += `event: ${type}\ndata: ${json}\n\n`;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  }

  /**
   * The upstream is done and the response is being stored. Frames queued from now on wait for end(), so
   * the stream's tail leaves with the terminal event and `[DONE]` in one write instead of two. Except the
   * first write: when nothing has gone out yet (a short answer that arrived at once), the frames so far
   * leave now, so the time to the first event does not include the store's commit.
   */
  hold(): void {
    if (!this.written) this.flush();
    this.holding = true;
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
    this.timer = null;
  }

  private write(chunk: string) {
    if (this.res.writableEnded || this.res.destroyed) return;
    this.written = true;
    this.lastWrite = Date.now();
    this.res.write(chunk);
  }
}
