/**
 * A/B: two Switchboard processes under the same load, alternated, to tell whether a change helps on a machine
 * too noisy for two separate bench runs to say (bench/README.md). One fake upstream serves both; each side is a
 * gateway process (bench/gateway-process.ts) from a checkout of its own, or this one, with its own environment
 * and request body. Rounds alternate A B, B A, … after a warm-up of each; the verdict is the median of the
 * per-round ratios B ÷ A and how many rounds B won, for req/s and for the CPU its event-loop thread spent per
 * request (read from /proc, Linux only; the whole process's CPU is printed too).
 *
 *   npm run bench:ab -- [--mode=stream|plain] [--rounds=10] [--seconds=3] [--connections=32]
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
const rounds = Number(opt('rounds', '10'));
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

const a = await side('a');
const b = await side('b');
try {
  console.log(`A/B, ${mode}, ${connections} connections, ${rounds} rounds of ${seconds} s each`);
  console.log(`  A: ${a.dir} ${opt('a-env', '')} ${opt('a-body', '')}`);
  console.log(`  B: ${b.dir} ${opt('b-env', '')} ${opt('b-body', '')}`);
  await measure(a, 2);
  await measure(b, 2);
  const ra: Round[] = [];
  const rb: Round[] = [];
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 ? [b, a] : [a, b];
    for (const s of order) (s === a ? ra : rb).push(await measure(s, seconds));
    const x = ra[i], y = rb[i];
    console.log(`  round ${i + 1}: A ${f(x.reqPerSec)} req/s ${f(x.cpuUs)} µs (main ${x.mainUs === null ? '—' : f(x.mainUs)}) | ` +
      `B ${f(y.reqPerSec)} req/s ${f(y.cpuUs)} µs (main ${y.mainUs === null ? '—' : f(y.mainUs)}) | B/A ${f(y.reqPerSec / x.reqPerSec, 2)}`);
  }
  const rps = ra.map((x, i) => rb[i].reqPerSec / x.reqPerSec);
  console.log(`req/s B ÷ A: median ${f(median(rps), 3)}; B faster in ${rps.filter((r) => r > 1).length} of ${rounds} rounds`);
  console.log(`CPU per request (whole process) B ÷ A: median ${f(median(ra.map((x, i) => rb[i].cpuUs / x.cpuUs)), 3)}`);
  if (ra.every((x) => x.mainUs !== null)) {
    console.log(`event-loop CPU per request B ÷ A: median ${f(median(ra.map((x, i) => rb[i].mainUs! / x.mainUs!)), 3)}`);
  }
} finally {
  await a.child.stop();
  await b.child.stop();
  await upstream.stop();
}
