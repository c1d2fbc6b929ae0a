/**
 * The floor: the least a Node HTTP proxy can do. Forwards method, path, headers and body to one upstream
 * origin over a keep-alive agent and pipes the answer back untouched (status, headers, streamed body).
 * No parsing, no translation, no storage — whatever Switchboard adds above this is the cost of its work.
 */
import { Agent, createServer, request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BareProxy {
  url: string;
  close(): Promise<void>;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) are per connection and must not be forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

function forwardable(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k) && k !== 'host') out[k] = v;
  return out;
}

export async function startBareProxy(upstreamOrigin: string): Promise<BareProxy> {
  const target = new URL(upstreamOrigin);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });

  const server = createServer((req, res) => {
    const upstreamReq = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: forwardable(req.headers), agent },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, forwardable(upstreamRes.headers));
        upstreamRes.pipe(res);
      },
    );
    upstreamReq.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`bare proxy: ${err.message}`);
    });
    req.pipe(upstreamReq);
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      agent.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
