/**
 * Child process: Switchboard (as users run it: SQLite file, store on, default logger), the bare proxy, the
 * undici floor and the lean reference, all in front of the fake upstream at UPSTREAM_BASE_URL. Only one of
 * them is under load at a time.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as App from '../src/app.js';
import type * as LoadConfig from '../src/config/load-config.js';
import { startBareProxy } from './bare-proxy.js';
import { startUndiciFloor } from './undici-floor.js';
import { startLeanReference } from './lean-reference.js';
import { serveParent } from './child-process.js';

// Switchboard as `npm start` runs it: the compiled build (`npm run bench` builds it first). Through the tsx
// loader the same code costs more: esbuild's keep-names helper runs each time a named closure is made, which
// once read as a 5-8 % slowdown of a change that only added a few closures per request.
const compiled = new URL('../dist/app.js', import.meta.url);
const root = existsSync(fileURLToPath(compiled)) ? '../dist' : '../src';
const { startServer } = (await import(`${root}/app.js`)) as typeof App;
const { buildConfig } = (await import(`${root}/config/load-config.js`)) as typeof LoadConfig;

const upstreamBaseUrl = process.env.UPSTREAM_BASE_URL;
if (!upstreamBaseUrl) throw new Error('UPSTREAM_BASE_URL is required');

const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
const dbPath = join(dir, 'switchboard.db');
const config = buildConfig(
  { providers: [{ name: 'fake', kind: 'openai-chat', base_url: upstreamBaseUrl, models: ['m'] }] },
  // The store's writer (auto unless SWITCHBOARD_DB_WRITER says otherwise), for A/B runs.
  { SWITCHBOARD_DB_WRITER: process.env.SWITCHBOARD_DB_WRITER },
  { port: 0, host: '127.0.0.1', dbPath, keepAliveMs: 0 },
);
const switchboard = await startServer(config);
const proxy = await startBareProxy(new URL(upstreamBaseUrl).origin);
const floor = await startUndiciFloor(new URL(upstreamBaseUrl).origin);
const lean = await startLeanReference(upstreamBaseUrl, join(dir, 'lean-reference.db'));

serveParent(
  { switchboardUrl: switchboard.url, proxyUrl: proxy.url, floorUrl: floor.url, leanUrl: lean.url, dbPath, build: root === '../dist' ? 'compiled dist/' : 'src/ through tsx' },
  { cpu: () => ({ cpu: process.cpuUsage() }), pid: () => ({ pid: process.pid }) },
  async () => {
    await proxy.close();
    await floor.close();
    await lean.close();
    await switchboard.close();
    rmSync(dir, { recursive: true, force: true });
  },
);
