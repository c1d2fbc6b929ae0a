/**
 * The code interpreter's cost (`npm run bench:code-interpreter`): start-up of one container's interpreter and
 * the resident memory each live one holds, for the sandbox as built (a child process per container under
 * Node's permission model) and, for comparison, the same Pyodide in a worker_threads Worker inside one process
 * (the lighter option it was chosen against). Also a trivial call's round trip on a warm interpreter.
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { PythonSandbox, pyodideDir } from '../src/tools/code-interpreter/sandbox.js';

const N = Number(process.argv.find((a) => a.startsWith('--n='))?.slice(4) ?? 3);
const mb = (bytes: number) => Math.round(bytes / (1024 * 1024));
const rssOf = (pid: number) => Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4096;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function processes() {
  const sb = new PythonSandbox({ maxLiveInterpreters: N });
  const starts: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    const r = await sb.run(`c${i}`, 'x = 1');
    if (r.error) throw new Error(r.error.message);
    starts.push(performance.now() - t);
  }
  const rss = sb.live().map((x) => rssOf(x.pid!));
  const calls: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await sb.run('c0', 'x += 1');
    calls.push(performance.now() - t);
  }
  await sb.close();
  return { startMs: starts.map(Math.round), rssMbEach: rss.map(mb), callP50Ms: +median(calls).toFixed(2) };
}

async function workers() {
  const dir = pyodideDir();
  const src = `(async () => { const { parentPort } = require('node:worker_threads');
    const { loadPyodide } = await import(${JSON.stringify(`file://${dir}/pyodide.mjs`)});
    const py = await loadPyodide({ indexURL: ${JSON.stringify(`${dir}/`)} }); py.runPython('x = 1'); parentPort.postMessage('ok'); })()`;
  const base = process.memoryUsage().rss;
  const starts: number[] = [];
  const grown: number[] = [];
  const live: Worker[] = [];
  for (let i = 0; i < N; i++) {
    const before = process.memoryUsage().rss;
    const t = performance.now();
    const w = new Worker(src, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 256 } });
    await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
    starts.push(performance.now() - t);
    grown.push(process.memoryUsage().rss - before);
    live.push(w);
  }
  const total = process.memoryUsage().rss - base;
  await Promise.all(live.map((w) => w.terminate()));
  return { startMs: starts.map(Math.round), rssGrowthMbEach: grown.map(mb), rssGrowthMbTotal: mb(total) };
}

const result = { n: N, node: process.version, childProcess: await processes(), workerThread: await workers() };
console.log(JSON.stringify(result, null, 2));
