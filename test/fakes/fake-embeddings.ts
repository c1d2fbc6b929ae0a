/**
 * A fake OpenAI-compatible embeddings endpoint on loopback (`POST /v1/embeddings`, `{model, input: string[]}` →
 * `{object: 'list', data: [{object: 'embedding', index, embedding}], model, usage}`). Vectors are deterministic
 * bags of words hashed into `dims` buckets, stop words left out, after a small synonym table (automobile and
 * vehicle → car, physician → doctor), so "automobile" is close to a text about cars that never says it.
 *
 * `hold()` makes requests wait until `release()`; `failNext(n)` answers the next n requests with a 500.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const SYNONYMS: Record<string, string> = { automobile: 'car', automobiles: 'car', vehicle: 'car', cars: 'car', physician: 'doctor' };
const STOP = new Set('a an and are as at be by for from in is it of on or the this to with your'.split(' '));

export function fakeEmbedding(text: string, dims: number): number[] {
  const v = new Array<number>(dims).fill(0);
  for (const raw of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    if (STOP.has(raw)) continue;
    const w = SYNONYMS[raw] ?? raw;
    let h = 2166136261;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619);
    v[(h >>> 0) % dims] += 1;
  }
  return v;
}

export interface FakeEmbeddings {
  baseUrl: string;
  requests: { auth: string | undefined; body: { model: string; input: string[]; dimensions?: number } }[];
  hold(): void;
  release(): void;
  failNext(n: number): void;
  close(): Promise<void>;
}

export async function startFakeEmbeddings(dims = 256): Promise<FakeEmbeddings> {
  const requests: FakeEmbeddings['requests'] = [];
  let gate: Promise<void> | null = null;
  let open: () => void = () => {};
  let failures = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      if (req.method !== 'POST' || req.url !== '/v1/embeddings') {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      requests.push({ auth: req.headers.authorization, body });
      if (gate) await gate;
      if (failures > 0) {
        failures--;
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'boom', type: 'server_error' } }));
        return;
      }
      const data = (body.input as string[]).map((t, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(t, body.dimensions ?? dims) }));
      // Out of order on purpose: clients must match vectors by `index`.
      data.reverse();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: 1, total_tokens: 1 } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    hold() {
      gate ??= new Promise((r) => { open = r; });
    },
    release() {
      open();
      gate = null;
    },
    failNext(n) {
      failures = n;
    },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
