/** What every fake upstream does the same way: write SSE frames (at once, or paced), listen on loopback. */
import type { Server, ServerResponse } from 'node:http';
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
