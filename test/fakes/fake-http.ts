/** What every fake upstream does the same way: write SSE frames (at once, or paced), listen on loopback. */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

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
