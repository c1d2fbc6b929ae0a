/** The printed table: every figure the README quotes, with the targets from the issue checked (not asserted). */
import type { ChainResult } from './chain.js';
import type { LatencyResult } from './latency.js';
import type { Summary } from './stats.js';
import type { ThroughputRun } from './throughput.js';

export interface ThroughputSet {
  upstream: ThroughputRun;
  proxy: ThroughputRun;
  /** Informative: node:http + undici with none of Switchboard's work (undici-floor.ts). */
  floor?: ThroughputRun;
  /** Informative: the same stored response, hand-written for the bench's one request (lean-reference.ts). */
  lean?: ThroughputRun;
  switchboard: ThroughputRun;
  /** Informative: the same with `store: false` (non-streaming only). */
  switchboardNoStore?: ThroughputRun;
  /** switchboard / bare proxy req/s. */
  ratio: number;
  /** switchboard / bare proxy gateway CPU per request. */
  cpuRatio: number;
}

export interface BenchResults {
  date: string;
  mode: 'full' | 'quick';
  machine: { cpus: number; cpuModel: string; node: string; platform: string; memoryGb: number; busyBeforePercent: number };
  /** Git commit measured. */
  source: string;
  layout: string;
  latency?: LatencyResult;
  streaming?: LatencyResult;
  throughput?: {
    connections: number;
    durationSeconds: number;
    nonStreaming: ThroughputSet;
    streaming: ThroughputSet;
  };
  chain?: ChainResult;
  targets: { name: string; value: string; met: boolean }[];
}

const pad = (s: string | number, n: number) => String(s).padStart(n);
const padEnd = (s: string | number, n: number) => String(s).padEnd(n);

function row(label: string, s: Summary, extra = ''): string {
  return `  ${padEnd(label, 24)}${pad(s.p50, 10)}${pad(s.p90, 10)}${pad(s.p99, 10)}${pad(s.mean, 10)}${extra}`;
}
const HEAD = `  ${padEnd('', 24)}${pad('p50 µs', 10)}${pad('p90 µs', 10)}${pad('p99 µs', 10)}${pad('mean µs', 10)}`;

export function formatReport(r: BenchResults): string {
  const out: string[] = [];
  out.push(`Switchboard bench — ${r.date} — ${r.mode} mode`);
  out.push(`${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGb} GB, ${r.machine.platform}, Node ${r.machine.node}; ` +
    `CPU ${r.machine.busyBeforePercent}% busy before start${r.machine.busyBeforePercent > 10 ? ' (NOT idle: figures unreliable)' : ''}`);
  out.push(`source: ${r.source}`, r.layout, '');

  const LABELS: Record<string, string> = {
    upstream: 'upstream direct', proxy: 'bare proxy', switchboard: 'switchboard', switchboardNoStore: 'switchboard store:false',
  };
  const rows = (sums: Record<string, Summary>, add: Record<string, { p50: number; p99: number }>) => {
    for (const [key, s] of Object.entries(sums)) {
      const a = add[key];
      out.push(row(LABELS[key] ?? key, s, a ? `   added p50 ${a.p50} µs, p99 ${a.p99} µs` : ''));
    }
  };
  if (r.latency) {
    const l = r.latency;
    out.push(`1. Sequential latency, non-streaming (${l.samples} requests each after ${l.warmup} warm-up), time to last byte`, HEAD);
    rows(l.total, l.addedTotal);
    out.push('');
  }
  if (r.streaming?.firstEvent && r.streaming.addedFirstEvent) {
    const l = r.streaming;
    out.push(`2. Sequential latency, streaming (${l.samples} requests each after ${l.warmup} warm-up)`, '  time to first event', HEAD);
    rows(l.firstEvent!, l.addedFirstEvent!);
    out.push('  time to last byte', HEAD);
    rows(l.total, l.addedTotal);
    out.push('');
  }
  if (r.throughput) {
    const t = r.throughput;
    out.push(`3. Throughput, ${t.connections} connections, ${t.durationSeconds} s each after warm-up ` +
      '(CPU µs/req: the gateway process — whichever server in it is under load — per answer)');
    out.push(`  ${padEnd('', 38)}${pad('req/s', 10)}${pad('p50 ms', 10)}${pad('p99 ms', 10)}${pad('errors', 10)}${pad('CPU µs/req', 12)}`);
    for (const [label, set] of [['non-streaming', t.nonStreaming], ['streaming', t.streaming]] as const) {
      for (const run of [set.upstream, set.proxy, set.floor, set.lean, set.switchboard, set.switchboardNoStore]) {
        if (!run) continue;
        const errs = run.errors + run.non2xx + run.timeouts;
        out.push(`  ${padEnd(`${label} ${run.name}`, 38)}${pad(run.reqPerSec, 10)}${pad(run.latencyMs.p50, 10)}${pad(run.latencyMs.p99, 10)}` +
          `${pad(errs, 10)}${pad(run.gatewayCpuUsPerReq ?? '—', 12)}`);
      }
      out.push(`  ${label}: switchboard / bare proxy = ${set.ratio} (req/s); gateway CPU per request × ${set.cpuRatio}` +
        (set.lean ? `; lean reference / bare proxy = ${Math.round((100 * set.lean.reqPerSec) / set.proxy.reqPerSec) / 100}` : ''));
    }
    out.push('');
  }
  if (r.chain) {
    const c = r.chain;
    out.push(`4. previous_response_id chain: ${c.turns} turns built in ${c.build.seconds} s ` +
      `(first 10 turns ${c.build.firstTenMeanUs} µs mean, last 10 ${c.build.lastTenMeanUs} µs); ${c.samples} requests per case`);
    out.push(`  upstream bodies: 1-turn ${c.upstreamBody.shortMessages} messages / ${c.upstreamBody.shortBytes} B, ` +
      `${c.turns}-turn ${c.upstreamBody.longMessages} messages / ${c.upstreamBody.longBytes} B`, HEAD);
    out.push(row('fork from 1-turn', c.fork1));
    out.push(row(`fork from ${c.turns}-turn`, c.forkN, `   × ${c.ratio.forkN.p50} (p50), × ${c.ratio.forkN.p99} (p99)`));
    out.push(row(`append at tip (${c.turns}+)`, c.append, `   × ${c.ratio.append.p50} (p50), × ${c.ratio.append.p99} (p99)`));
    out.push(row('upstream direct, 1-turn', c.upstream1));
    out.push(row(`upstream direct, ${c.turns}-turn`, c.upstreamN));
    const sh = c.switchboardShareP50;
    out.push(`  switchboard's share at p50 (minus upstream direct, same body): 1-turn ${sh.fork1} µs, ` +
      `fork ${c.turns} ${sh.forkN} µs, append ${sh.append} µs` +
      (sh.fork1 > 0 ? ` (× ${Math.round((100 * sh.forkN) / sh.fork1) / 100} / × ${Math.round((100 * sh.append) / sh.fork1) / 100})` : ''));
    // What a gateway whose own cost did not grow with the chain at all would score: the upstream's growth alone.
    const still = c.fork1.p50 > 0 ? Math.round((100 * (c.fork1.p50 + c.upstreamN.p50 - c.upstream1.p50)) / c.fork1.p50) / 100 : null;
    if (still !== null) out.push(`  a gateway whose own cost did not grow at all would score × ${still} here (the upstream's own growth)`);
    out.push('');
  }
  out.push('Targets (reported, never asserted)');
  for (const t of r.targets) out.push(`  ${t.met ? 'met   ' : 'MISSED'}  ${padEnd(t.name, 52)}${t.value}`);
  return out.join('\n');
}
