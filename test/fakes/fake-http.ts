/** What every fake upstream does the same way: write SSE frames (at once, or paced), listen on loopback. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReceivedRequest } from './fake-turn.js';

/**
 * What every fake upstream's server does before its vendor-specific part: keep-alive, read the body, parse
 * it as JSON, log the request in `received` (its path without the query, unless `withQuery`), then call
 * `handle` (with the raw body text too). A body that is not JSON is logged as text and answered by `badJson`, or, without one, passed on
 * as text. A handler that throws is answered by `crash` if no header went out yet, else the socket is dropped.
 */
export function createFakeServer(opts: {
  received: ReceivedRequest[];
  withQuery?: boolean;
  badJson?: (res: ServerResponse) => void;
  crash: (res: ServerResponse, err: unknown) => void;
  handle: (req: IncomingMessage, res: ServerResponse, body: any, path: string, raw: string) => Promise<void> | void;
}): Server {
  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const target = req.url ?? '/';
      const path = opts.withQuery ? target : target.split('?')[0];
      let body: any;
      if (raw) {
        try {
          body = JSON.parse(raw);
        } catch {
          body = raw;
          if (opts.badJson) {
            opts.received.push({ method: req.method ?? '', path, headers: req.headers, body });
            return opts.badJson(res);
          }
        }
      }
      opts.received.push({ method: req.method ?? '', path, headers: req.headers, body });
      await opts.handle(req, res, body, path, raw);
    })().catch((err: unknown) => {
      if (!res.headersSent) opts.crash(res, err);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  return server;
}

/** Writes the frames in one go, or one every `delayMs` (stopping if the client went away). */
export async function writeFrames(res: ServerResponse, frames: string[], delayMs?: number): Promise<void> {
  if (!delayMs) {
    res.end(frames.join(''));
    return;
  }
  for (const f of frames) {
    if (res.destroyed) return;
    res.write(f);
    await new Promise((r) => setTimeout(r, delayMs));
  }
  res.end();
}

/** Listens on 127.0.0.1 (random port); returns the base URL with `basePath` and a close() that drops connections. */
export async function listenOnLoopback(server: Server, basePath: string): Promise<{ baseUrl: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${basePath}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** The whole request body as text. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
