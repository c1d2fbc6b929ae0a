/**
 * Server-sent events in OpenAI's framing: `event: <type>` + `data: <json>`, then `data: [DONE]`.
 * Keep-alive comments go out when nothing has been written for a while (long reasoning silences), so proxies
 * and clients do not time the connection out.
 */
import type { ServerResponse } from 'node:http';

export class SseWriter {
  private lastWrite = Date.now();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly res: ServerResponse, headers: Record<string, string>, keepAliveMs: number) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...headers,
    });
    res.flushHeaders();
    if (keepAliveMs > 0) {
      this.timer = setInterval(() => {
        if (Date.now() - this.lastWrite >= keepAliveMs) this.write(': keep-alive\n\n');
      }, Math.max(50, Math.floor(keepAliveMs / 2)));
      this.timer.unref();
    }
  }

  event(e: { type: string }): void {
    this.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
  }

  end(): void {
    this.stop();
    if (this.res.writableEnded || this.res.destroyed) return;
    this.res.end('data: [DONE]\n\n');
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private write(chunk: string) {
    if (this.res.writableEnded || this.res.destroyed) return;
    this.lastWrite = Date.now();
    this.res.write(chunk);
  }
}
