/**
 * A/B: two Switchboard processes under the same load, alternated, to tell whether a change helps on a machine
 * too noisy for two separate bench runs to say (bench/README.md). One fake upstream serves both; each side is a
 * gateway process (bench/gateway-process.ts) from a checkout of its own, or this one, with its own environment
 * and request body. Rounds alternate A B, B A, … after a warm-up of each; the verdict is the median of the
 * per-round ratios B ÷ A and how many rounds B won, for req/s and for the CPU its event-loop thread spent per
 * request (read from /proc, Linux only; the whole process's CPU is printed too).
 *
 * The rounds run on several pairs of fresh processes (`--pairs`). A process keeps its own luck — heap layout,
 * JIT decisions, where the scheduler puts it — for as long as it runs: with one pair, two processes of the
 * very same build measured 0.94× and 1.11× (6 or 7 of 8 rounds agreeing). The median per pair is printed;
 * trust a change only when the pairs agree.
 *
 *   npm run bench:ab -- [--mode=stream|plain] [--pairs=4] [--rounds=4] [--seconds=3] [--connections=32]
 *     [--a-dir=<checkout>] [--b-dir=<checkout>]        (default: this checkout, for both)
 *     [--a-env=K=V,K=V] [--b-env=K=V,K=V]              (e.g. --b-env=SWITCHBOARD_DB_WRITER=thread)
 *     [--a-body='{"store":false}'] [--b-body=…]       (merged into {"model":"fake/m","input":"hi"})
 *
 * A checkout given by --a-dir / --b-dir needs its dependencies installed (or a node_modules link to these).
 */
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO_ROOT, startChild, startScriptFlags } from './child-process.js';

const opt = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const mode = opt('mode', 'stream');
const rounds = Number(opt('rounds', '4'));
const seconds = Number(opt('seconds', '3'));
const connections = Number(opt('connections', '32'));
if (mode !== 'stream' && mode !== 'plain') throw new Error('--mode is stream or plain');

function envOf(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of spec.split(',').filter(Boolean)) {
    const eq = kv.indexOf('=');
    if (eq < 1) throw new Error(`expected K=V, got ${kv}`);
    out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}

/** CPU time (µs) of a process's main thread — its event loop — from /proc; null where there is no /proc. */
function mainThreadCpuUs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000; // utime + stime, in 10 ms ticks
  } catch {
    return null;
  }
}

const upstream = await startChild<{ baseUrl: string }>('bench/upstream-process.ts', {});

async function side(name: 'a' | 'b') {
  const dir = resolve(opt(`${name}-dir`, REPO_ROOT));
  const child = await startChild<{ switchboardUrl: string }>(
    resolve(dir, 'bench/gateway-process.ts'),
    { UPSTREAM_BASE_URL: upstream.ready.baseUrl, ...envOf(opt(`${name}-env`, '')) },
    startScriptFlags(dir),
  );
  const { pid } = await child.ask<{ pid: number }>('pid');
  const body = JSON.stringify({ model: 'fake/m', input: 'hi', ...(mode === 'stream' ? { stream: true } : {}), ...JSON.parse(opt(`${name}-body`, '{}')) });
  return { name: name.toUpperCase(), dir, child, pid, body };
}
type Side = Awaited<ReturnType<typeof side>>;

interface Round { reqPerSec: number; cpuUs: number; mainUs: number | null }

async function measure(s: Side, duration: number): Promise<Round> {
  const cpu = async () => { const { cpu: c } = await s.child.ask<{ cpu: NodeJS.CpuUsage }>('cpu'); return c.user + c.system; };
  const c0 = await cpu();
  const m0 = mainThreadCpuUs(s.pid);
  const r = await autocannon({
    url: `${s.child.ready.switchboardUrl}/v1/responses`, connections, duration, method: 'POST',
    headers: { 'content-type': 'application/json' }, body: s.body,
  });
  const c1 = await cpu();
  const m1 = mainThreadCpuUs(s.pid);
  const ok = r['2xx'];
  if (r.non2xx || r.errors || !ok) throw new Error(`${s.name}: ${r.non2xx} non-2xx answers, ${r.errors} errors, ${ok} 2xx`);
  return { reqPerSec: ok / r.duration, cpuUs: (c1 - c0) / ok, mainUs: m0 === null || m1 === null ? null : (m1 - m0) / ok };
}

const median = (xs: number[]) => { const s = [...xs].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const f = (x: number, digits = 0) => x.toFixed(digits);

const pairs = Number(opt('pairs', '4'));
console.log(`A/B, ${mode}, ${connections} connections, ${pairs} process pairs × ${rounds} rounds of ${seconds} s each`);
console.log(`  A: ${resolve(opt('a-dir', REPO_ROOT))} ${opt('a-env', '')} ${opt('a-body', '')}`);
console.log(`  B: ${resolve(opt('b-dir', REPO_ROOT))} ${opt('b-env', '')} ${opt('b-body', '')}`);
const ra: Round[] = [];
const rb: Round[] = [];
const pairRps: number[] = [];
try {
  for (let p = 0; p < pairs; p++) {
    // Fresh processes for every pair, started in alternating order: a process's own luck (heap layout, JIT
    // decisions, where the scheduler puts it) lasts as long as it does, so it has to be sampled too.
    const [first, second] = p % 2 ? (['b', 'a'] as const) : (['a', 'b'] as const);
    const s1 = await side(first);
    const s2 = await side(second);
    const [a, b] = first === 'a' ? [s1, s2] : [s2, s1];
    try {
      await measure(a, 2);
      await measure(b, 2);
      const from = ra.length;
      for (let i = 0; i < rounds; i++) {
        const order = i % 2 ? [b, a] : [a, b];
        for (const s of order) (s === a ? ra : rb).push(await measure(s, seconds));
        const x = ra.at(-1)!, y = rb.at(-1)!;
        console.log(`  pair ${p + 1} round ${i + 1}: A ${f(x.reqPerSec)} req/s ${f(x.cpuUs)} µs (main ${x.mainUs === null ? '—' : f(x.mainUs)}) | ` +
          `B ${f(y.reqPerSec)} req/s ${f(y.cpuUs)} µs (main ${y.mainUs === null ? '—' : f(y.mainUs)}) | B/A ${f(y.reqPerSec / x.reqPerSec, 2)}`);
      }
      pairRps.push(median(ra.slice(from).map((x, i) => rb[from + i].reqPerSec / x.reqPerSec)));
    } finally {
      await a.child.stop();
      await b.child.stop();
    }
  }
  const rps = ra.map((x, i) => rb[i].reqPerSec / x.reqPerSec);
  console.log(`req/s B ÷ A: median ${f(median(rps), 3)}; B faster in ${rps.filter((r) => r > 1).length} of ${rps.length} rounds`);
  console.log(`  per process pair: ${pairRps.map((r) => f(r, 3)).join(', ')} (B faster in ${pairRps.filter((r) => r > 1).length} of ${pairs})`);
  console.log(`CPU per request (whole process) B ÷ A: median ${f(median(ra.map((x, i) => rb[i].cpuUs / x.cpuUs)), 3)}`);
  if (ra.every((x) => x.mainUs !== null)) {
    console.log(`event-loop CPU per request B ÷ A: median ${f(median(ra.map((x, i) => rb[i].mainUs! / x.mainUs!)), 3)}`);
  }
} finally {
  await upstream.stop();
}
