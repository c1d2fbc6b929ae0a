/**
 * How many background responses one Switchboard process holds at once, and what each costs in memory:
 * `--running` runs streaming from a slow upstream (bench/slow-upstream.ts, a child process: its sockets are
 * not counted), then `--queued` more waiting behind them. Heap (after a full GC) and RSS are read before and
 * after each phase; the difference divided by the count is the cost of one run.
 *
 *   npm run bench:background -- [--running=500] [--queued=2000] [--settle-ms=2000]
 *
 * A running run's memory grows with its output (its event log is kept for followers until it ends); the
 * figure is for the output streamed after `--settle-ms` at one word per 250 ms.
 */
import { fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/app.js';
import { buildConfig } from '../src/config/load-config.js';
import { silentLogger } from '../src/log/logger.js';

const opt = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const RUNNING = opt('running', 500);
const QUEUED = opt('queued', 2000);
const SETTLE_MS = opt('settle-ms', 2000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:background does)');

const child = fork(new URL('./slow-upstream.ts', import.meta.url), { execArgv: ['--import', 'tsx'] });
const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
const ask = <T>(m: string) => new Promise<T>((resolve) => { child.once('message', resolve); child.send(m); });

const dir = mkdtempSync(join(tmpdir(), 'sb-bench-bg-'));
const base = buildConfig({
  providers: [{ name: 'slow', kind: 'openai-chat', base_url: `http://127.0.0.1:${port}/v1`, retry: { max: 0 } }],
  background: { workers: RUNNING },
}, {}, { port: 0, host: '127.0.0.1', dbPath: join(dir, 'switchboard.db'), keepAliveMs: 0, shutdownGraceMs: 0 });
const sb = await startServer({ ...base, files: { ...base.files, dir: join(dir, 'files') } }, silentLogger());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function memory() {
  gc!(); gc!();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}
async function create(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, async (_, k) => {
      const res = await fetch(`${sb.url}/v1/responses`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'slow/m', input: `background run ${i + k}`, background: true }),
      });
      if (res.status !== 200) throw new Error(`create: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { id: string }).id;
    }));
    ids.push(...batch);
  }
  return ids;
}

// A few runs first, so code paths are compiled and pools allocated before the baseline.
await create(20);
while ((await ask<{ open: number }>('open')).open < 20) await sleep(50);
await sleep(SETTLE_MS);
const m0 = memory();

const t0 = Date.now();
await create(RUNNING - 20);
while ((await ask<{ open: number }>('open')).open < RUNNING) await sleep(50);
const startMs = Date.now() - t0;
await sleep(SETTLE_MS);
const m1 = memory();

const t1 = Date.now();
await create(QUEUED);
const queueMs = Date.now() - t1;
const m2 = memory();

const mb = (b: number) => (b / 2 ** 20).toFixed(1);
const kb = (b: number) => (b / 1024).toFixed(1);
console.log(`background runs in one process (${RUNNING} running from a slow upstream, then ${QUEUED} queued behind them)`);
console.log(`  started ${RUNNING - 20} runs in ${startMs} ms; queued ${QUEUED} in ${queueMs} ms (${Math.round(QUEUED / (queueMs / 1000))}/s)`);
console.log(`  heap: base ${mb(m0.heap)} MB, +running ${mb(m1.heap - m0.heap)} MB, +queued ${mb(m2.heap - m1.heap)} MB`);
console.log(`  rss:  base ${mb(m0.rss)} MB, +running ${mb(m1.rss - m0.rss)} MB, +queued ${mb(m2.rss - m1.rss)} MB`);
console.log(`  per running run: ${kb((m1.heap - m0.heap) / (RUNNING - 20))} KB heap, ${kb((m1.rss - m0.rss) / (RUNNING - 20))} KB rss`);
console.log(`  per queued run:  ${kb((m2.heap - m1.heap) / QUEUED)} KB heap, ${kb((m2.rss - m1.rss) / QUEUED)} KB rss`);

child.send('stop');
await sb.close({ graceMs: 0 });
process.exit(0);
