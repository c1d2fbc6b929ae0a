/**
 * `npm run bench` (≈2 min) or `npm run bench -- --quick` (≈35 s). Options: `--only=latency,streaming,
 * throughput,chain` to run a subset, `--profile` to write a V8 CPU profile of the Switchboard process to
 * bench/.prof/. Prints a table and writes bench/results/latest.json; never fails on timing.
 *
 * Layout: three processes — this one is the load generator (undici client, autocannon); one child runs the
 * fake Chat Completions upstream; one child runs Switchboard and the bare proxy (only one under load at a time).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { measureChain } from './chain.js';
import { REPO_ROOT, startChild, startScriptFlags } from './child-process.js';
import { agent, type Target } from './http-timing.js';
import { measureLatency, type LatencyTargets } from './latency.js';
import { formatReport, type BenchResults } from './report.js';
import { round } from './stats.js';
import { measureThroughput } from './throughput.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const profile = args.includes('--profile');
const onlyArg = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const only = new Set(onlyArg ? onlyArg.split(',') : ['latency', 'streaming', 'throughput', 'chain']);

const PLAN = quick
  ? { latency: { samples: 500, warmup: 200 }, throughput: { connections: 32, duration: 2, warmup: 0 }, chain: { turns: 1000, samples: 30, warmup: 2 } }
  : { latency: { samples: 2000, warmup: 200 }, throughput: { connections: 32, duration: 10, warmup: 2 }, chain: { turns: 1000, samples: 100, warmup: 5 } };

const progress = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

// Timing on a shared 2-core box is only meaningful when nothing else runs: measure how busy it is first.
const busyBefore = await cpuBusyPercent(1000);
if (busyBefore > 10) progress(`WARNING: the machine was ${busyBefore}% busy before the bench started; figures will be unreliable`);

const upstream = await startChild<{ baseUrl: string }>('bench/upstream-process.ts', {});
const profDir = resolve(REPO_ROOT, 'bench/.prof');
const gateway = await startChild<{ switchboardUrl: string; proxyUrl: string; floorUrl: string; leanUrl: string; dbPath: string; build: string }>(
  'bench/gateway-process.ts',
  { UPSTREAM_BASE_URL: upstream.ready.baseUrl },
  [...startScriptFlags(), ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])],
);
const { switchboardUrl, proxyUrl, floorUrl, leanUrl } = gateway.ready;
const upstreamChat = `${upstream.ready.baseUrl}/chat/completions`;
const proxyChat = `${proxyUrl}${new URL(upstreamChat).pathname}`;
// Throughput only: node:http + undici with none of Switchboard's work (undici-floor.ts).
const floorChat = `${floorUrl}${new URL(upstreamChat).pathname}`;

const CHAT_MESSAGES = [{ role: 'user', content: 'hi' }];
const responsesUrl = `${switchboardUrl}/v1/responses`;
const plainChatBody = JSON.stringify({ model: 'm', messages: CHAT_MESSAGES, stream: false });
const plainTargets: LatencyTargets = {
  upstream: { name: 'upstream', url: upstreamChat, body: plainChatBody },
  proxy: { name: 'bare proxy', url: proxyChat, body: plainChatBody },
  switchboard: { name: 'switchboard', url: responsesUrl, body: JSON.stringify({ model: 'fake/m', input: 'hi' }) },
  // Not a target: shows how much of Switchboard's cost is the store.
  switchboardNoStore: { name: 'switchboard store:false', url: responsesUrl, body: JSON.stringify({ model: 'fake/m', input: 'hi', store: false }) },
};
// Switchboard itself asks upstream for `stream_options.include_usage`; the direct and proxied streams do the same.
const chatStreamBody = JSON.stringify({ model: 'm', messages: CHAT_MESSAGES, stream: true, stream_options: { include_usage: true } });
const streamTargets: LatencyTargets = {
  upstream: { name: 'upstream', url: upstreamChat, body: chatStreamBody, streamEnd: '[DONE]' },
  proxy: { name: 'bare proxy', url: proxyChat, body: chatStreamBody, streamEnd: '[DONE]' },
  switchboard: {
    name: 'switchboard', url: responsesUrl, body: JSON.stringify({ model: 'fake/m', input: 'hi', stream: true }), streamEnd: 'response.completed',
  },
};

const cpus = os.cpus();
const results: BenchResults = {
  date: new Date().toISOString(),
  mode: quick ? 'quick' : 'full',
  machine: {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    memoryGb: round(os.totalmem() / 2 ** 30, 1),
    busyBeforePercent: busyBefore,
  },
  source: sourceVersion(),
  layout: 'processes: load generator (this one: undici + autocannon) | fake upstream | Switchboard + bare proxy; loopback; ' +
    `Switchboard (${gateway.ready.build}) with a SQLite file, store on`,
  targets: [],
};

try {
  if (only.has('latency')) {
    progress(`sequential non-streaming latency: ${PLAN.latency.samples} × ${Object.keys(plainTargets).length} targets`);
    results.latency = await measureLatency(plainTargets, { ...PLAN.latency, streaming: false });
  }
  if (only.has('streaming')) {
    progress(`sequential streaming latency: ${PLAN.latency.samples} × 3 targets`);
    results.streaming = await measureLatency(streamTargets, { ...PLAN.latency, streaming: true });
  }
  if (only.has('throughput')) {
    const t = PLAN.throughput;
    const run = async (targets: LatencyTargets, label: string) => {
      const floor: Target = { ...targets.proxy, name: 'node:http + undici floor', url: floorChat };
      // Throughput only: the same stored response, hand-written for this one request (lean-reference.ts).
      const lean: Target = { ...targets.switchboard, name: 'lean reference', url: `${leanUrl}/v1/responses` };
      const list = [targets.upstream, targets.proxy, floor, lean, targets.switchboard, ...(targets.switchboardNoStore ? [targets.switchboardNoStore] : [])];
      progress(`throughput ${label}: ${list.length} targets × (${t.warmup} s warm-up + ${t.duration} s)`);
      const gatewayCpu = {
        read: async () => {
          const { cpu } = await gateway.ask<{ cpu: NodeJS.CpuUsage }>('cpu');
          return cpu.user + cpu.system;
        },
        viaGateway: (target: Target) => target !== targets.upstream,
      };
      const [upstream, proxy, floorRun, leanRun, switchboard, noStore] = await measureThroughput(list, t, gatewayCpu);
      return {
        upstream, proxy, floor: floorRun, lean: leanRun, switchboard, switchboardNoStore: noStore,
        ratio: round(switchboard.reqPerSec / proxy.reqPerSec, 2),
        cpuRatio: round(switchboard.gatewayCpuUsPerReq! / proxy.gatewayCpuUsPerReq!, 2),
      };
    };
    results.throughput = {
      connections: t.connections,
      durationSeconds: t.duration,
      nonStreaming: await run(plainTargets, 'non-streaming'),
      streaming: await run(streamTargets, 'streaming'),
    };
  }
  if (only.has('chain')) {
    progress(`chain: building ${PLAN.chain.turns} turns, then ${PLAN.chain.samples} requests × 5 cases`);
    results.chain = await measureChain(
      { switchboard: responsesUrl, upstreamChat },
      async () => (await upstream.ask<{ body: unknown }>('last-body')).body,
      PLAN.chain,
    );
  }
} finally {
  await agent.close();
  await gateway.stop();
  await upstream.stop();
}

const targets = results.targets;
if (results.latency) {
  const a = results.latency.addedTotal.switchboard;
  targets.push({ name: 'added latency p50 ≤ 1 ms (non-streaming)', value: `${a.p50} µs (p99 ${a.p99} µs)`, met: a.p50 <= 1000 });
}
if (results.streaming?.addedFirstEvent) {
  const f = results.streaming.addedFirstEvent.switchboard;
  const l = results.streaming.addedTotal.switchboard;
  targets.push({ name: 'added latency p50 ≤ 1 ms (streaming, first event)', value: `${f.p50} µs (p99 ${f.p99} µs)`, met: f.p50 <= 1000 });
  targets.push({ name: 'added latency p50 ≤ 1 ms (streaming, last byte)', value: `${l.p50} µs (p99 ${l.p99} µs)`, met: l.p50 <= 1000 });
}
if (results.throughput) {
  const { nonStreaming: n, streaming: s } = results.throughput;
  targets.push({ name: 'throughput ≥ 0.5× bare proxy (non-streaming)', value: `× ${n.ratio}`, met: n.ratio >= 0.5 });
  targets.push({ name: 'throughput ≥ 0.5× bare proxy (streaming)', value: `× ${s.ratio}`, met: s.ratio >= 0.5 });
}
if (results.chain) {
  const c = results.chain;
  targets.push({ name: `${c.turns}-turn chain ≤ 2× 1-turn (append at tip, p50)`, value: `× ${c.ratio.append.p50} (p99 × ${c.ratio.append.p99})`, met: c.ratio.append.p50 <= 2 });
  targets.push({ name: `${c.turns}-turn chain ≤ 2× 1-turn (fork, p50)`, value: `× ${c.ratio.forkN.p50} (p99 × ${c.ratio.forkN.p99})`, met: c.ratio.forkN.p50 <= 2 });
}

const outDir = resolve(REPO_ROOT, 'bench/results');
mkdirSync(outDir, { recursive: true });
const file = quick ? 'latest-quick.json' : onlyArg ? 'latest-partial.json' : 'latest.json';
writeFileSync(resolve(outDir, file), JSON.stringify(results, null, 2) + '\n');
console.log(formatReport(results));
if (profile) progress(`CPU profile of the Switchboard process written to ${profDir}`);

/** Which code was measured: the commit, and whether the working tree differed from it. */
function sourceVersion(): string {
  try {
    const git = (...a: string[]) => execFileSync('git', a, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = git('status', '--porcelain', '--', 'src').length > 0;
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' + uncommitted changes in src/' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** Share of all CPUs' time spent non-idle over `ms` (other processes: the bench has not started yet). */
async function cpuBusyPercent(ms: number): Promise<number> {
  const snap = () => os.cpus().reduce((acc, c) => {
    const t = c.times;
    acc.idle += t.idle;
    acc.total += t.user + t.nice + t.sys + t.irq + t.idle;
    return acc;
  }, { idle: 0, total: 0 });
  const a = snap();
  await new Promise((r) => setTimeout(r, ms));
  const b = snap();
  const total = b.total - a.total;
  return total > 0 ? round(100 * (1 - (b.idle - a.idle) / total), 0) : 0;
}
