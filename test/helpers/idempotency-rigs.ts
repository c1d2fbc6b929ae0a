/**
 * Rigs for the idempotency tests: a gate in front of a fake upstream (hold its answers, count its calls), and
 * a TCP proxy in front of Switchboard that cuts the client's side of its first connection while Switchboard's
 * side stays open, as a load balancer or NAT that drops a connection does. Switchboard then finishes the
 * request and its answer is lost on the way; the client sees a connection error and retries.
 */
import { createServer as createHttpServer, request, type Server } from 'node:http';
import { createServer as createTcpServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface UpstreamGate {
  /** Use as the provider's base_url. */
  baseUrl: string;
  /** Requests forwarded to the upstream (or waiting at the gate). */
  calls: number;
  hold(): void;
  open(): void;
  close(): Promise<void>;
}

/** An HTTP forwarder to `targetBaseUrl` (…/v1) that can hold requests until opened. */
export async function startUpstreamGate(targetBaseUrl: string): Promise<UpstreamGate> {
  const target = new URL(targetBaseUrl);
  let gate: Promise<void> = Promise.resolve();
  let openGate = () => {};
  const server: Server = createHttpServer((req, res) => {
    gateObj.calls++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void gate.then(() => {
        const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
          // An upstream that drops mid-answer is dropped on to the caller, not left hanging.
          r.on('close', () => { if (!r.complete) res.destroy(); });
        });
        up.on('error', () => res.destroy());
        up.end(Buffer.concat(chunks));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const gateObj: UpstreamGate = {
    baseUrl: `http://127.0.0.1:${port}${target.pathname}`,
    calls: 0,
    hold() { gate = new Promise<void>((r) => { openGate = r; }); },
    open() { openGate(); gate = Promise.resolve(); },
    close: () => { gateObj.open(); server.closeAllConnections(); return new Promise<void>((r) => server.close(() => r())); },
  };
  return gateObj;
}

export interface CuttingProxy {
  url: string;
  /** Client connections accepted so far. */
  connections: number;
  /** Called with each chunk Switchboard sends on a connection after the first (1-based connection number). */
  onAnswer?: (connection: number, chunk: Buffer) => void;
  close(): Promise<void>;
}

/**
 * `cutWhen: 'request-sent'`: the client's socket is destroyed as soon as its first request's bytes have been
 * forwarded (the first request is still running). `'answer-started'`: once Switchboard's answer starts (the
 * first request is done; its answer is lost). Switchboard's socket for that connection stays open and its
 * answer is read and dropped, so Switchboard sees a client that stayed.
 */
export async function startCuttingProxy(targetUrl: string, cutWhen: 'request-sent' | 'answer-started'): Promise<CuttingProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  const server = createTcpServer((client) => {
    const n = ++proxy.connections;
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.on('error', () => {});
    upstream.on('error', () => {});
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => { sockets.delete(upstream); client.destroy(); });
    if (n === 1) {
      client.on('data', (chunk) => {
        upstream.write(chunk, () => { if (cutWhen === 'request-sent' && requestComplete(chunk)) client.destroy(); });
      });
      upstream.on('data', () => { if (cutWhen === 'answer-started') client.destroy(); });
      return;
    }
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => { proxy.onAnswer?.(n, chunk); client.write(chunk); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const proxy: CuttingProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: 0,
    close: () => { for (const s of sockets) s.destroy(); return new Promise<void>((r) => server.close(() => r())); },
  };
  return proxy;
}

/** Small JSON requests arrive in one or two chunks; the body's closing brace ends them. */
function requestComplete(chunk: Buffer): boolean {
  return chunk.toString('latin1').trimEnd().endsWith('}');
}
