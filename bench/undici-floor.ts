/**
 * A second floor, for reading Switchboard's own cost: node's HTTP server in front of the upstream through the
 * same undici `dispatch` call Switchboard makes (a keep-alive Agent), the client's body read and parsed as
 * JSON, the answer streamed back chunk by chunk as it arrives. No validation, no translation, no events, no
 * store. What Switchboard spends above this is its own work, not its HTTP stack's.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, type Dispatcher } from 'undici';

export interface UndiciFloor {
  url: string;
  close(): Promise<void>;
}

export async function startUndiciFloor(upstreamOrigin: string): Promise<UndiciFloor> {
  const agent = new Agent({ keepAliveTimeout: 30_000, pipelining: 1 });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: string;
      try {
        body = JSON.stringify(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        res.writeHead(400).end('undici floor: invalid JSON');
        return;
      }
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart() {}, // (undici tells the handler API apart by this method)
        onResponseStart(_c, status, headers) {
          const out: Record<string, string> = {};
          for (const name of ['content-type', 'content-length']) {
            const v = headers[name];
            if (typeof v === 'string') out[name] = v;
          }
          res.writeHead(status, out);
        },
        onResponseData(_c, chunk) { res.write(chunk); },
        onResponseEnd() { res.end(); },
        onResponseError(_c, err) {
          if (!res.headersSent) res.writeHead(502);
          res.end(`undici floor: ${err.message}`);
        },
      };
      agent.dispatch({ origin: upstreamOrigin, path: req.url ?? '/', method: 'POST', headers: { 'content-type': 'application/json' }, body }, handler);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await agent.close();
    },
  };
}
