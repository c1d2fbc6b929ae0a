/** Starts Switchboard in-process on a random loopback port, configured from a YAML-shaped object. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startServer, type RunningServer } from '../../src/app.js';
import { buildConfig } from '../../src/config/load-config.js';
import { installSpecCheckedFetch, specCheckedFetch } from './spec-checked-fetch.js';
import { silentLogger, type Logger } from '../../src/log/logger.js';
import type { RunBackends } from '../../src/responses/responses-service.js';
import type { VectorStoreOptions } from '../../src/vector-stores/vector-store-options.js';

export interface TestServer extends RunningServer {
  client(opts?: { apiKey?: string; maxRetries?: number; baseURLSuffix?: string }): OpenAI;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
}

export async function startSwitchboard(
  file: Record<string, unknown>,
  env: Record<string, string> = {},
  opts: { dbPath?: string; onSql?: (sql: string) => void; log?: Logger; backends?: RunBackends; vectorStores?: Partial<VectorStoreOptions>; filesDir?: string } = {},
): Promise<TestServer> {
  // A real SQLite file, as users run it.
  const dir = mkdtempSync(join(tmpdir(), 'sb-test-'));
  const base = buildConfig(file, env, { port: 0, host: '127.0.0.1', dbPath: opts.dbPath ?? join(dir, 'switchboard.db'), keepAliveMs: 0, shutdownGraceMs: 0 });
  const config = { ...base, files: { ...base.files, dir: opts.filesDir ?? join(dir, 'files') } };
  const running = await startServer(config, opts.log ?? silentLogger(), { onSql: opts.onSql, backends: opts.backends, vectorStores: opts.vectorStores });
  // Every Response and event this server answers, to any client in the test, is checked against the spec.
  const uninstall = installSpecCheckedFetch(new URL(running.url).origin);
  return {
    ...running,
    close: async () => { uninstall(); await running.close(); },
    client: (o = {}) => new OpenAI({
      apiKey: o.apiKey ?? 'sk-test',
      baseURL: `${running.url}${o.baseURLSuffix ?? '/v1'}`,
      maxRetries: o.maxRetries ?? 0,
      fetch: specCheckedFetch,
    }),
    post: (path, body, headers = {}) => specCheckedFetch(`${running.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  };
}

/** Parses an SSE body into `{event, data}` frames (data JSON-parsed unless it is [DONE]). */
export async function readSse(res: Response): Promise<{ event: string | null; data: any }[]> {
  const text = await res.text();
  const frames: { event: string | null; data: any }[] = [];
  for (const block of text.split('\n\n')) {
    if (!block.trim() || block.startsWith(':')) continue;
    let event: string | null = null;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    const joined = data.join('\n');
    frames.push({ event, data: joined === '[DONE]' ? '[DONE]' : JSON.parse(joined) });
  }
  return frames;
}
