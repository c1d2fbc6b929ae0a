/**
 * Throughput: autocannon keeps `connections` requests in flight and counts 2xx answers per second. Each
 * target gets an unmeasured warm-up, then its measured time in two halves run in mirrored order (A B C, then
 * C B A) so a drift over the run does not favour whichever target went first. autocannon runs in the bench's
 * own process; the servers under test run in theirs. Any non-2xx or socket error is reported, not hidden.
 */
import autocannon from 'autocannon';
import type { Target } from './http-timing.js';
import { round } from './stats.js';

export interface ThroughputRun {
  name: string;
  reqPerSec: number;
  ok: number;
  errors: number;
  non2xx: number;
  timeouts: number;
  /** autocannon's per-request latency under this load, ms (the worse of the two halves for p99). */
  latencyMs: { p50: number; p99: number };
  /**
   * CPU time the gateway process (Switchboard + bare proxy) spent per 2xx answer, µs (user + system, all its
   * threads); null for a target that does not go through it. Steadier than req/s on a shared machine.
   */
  gatewayCpuUsPerReq: number | null;
}

function options(t: Target, connections: number) {
  return {
    url: t.url,
    connections,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
    body: t.body,
    timeout: 30,
  };
}

export async function measureThroughput(
  targets: Target[],
  opts: { connections: number; duration: number; warmup: number },
  /** The gateway process's CPU time so far, µs; `viaGateway` says which targets go through it. */
  gatewayCpu: { read: () => Promise<number>; viaGateway: (t: Target) => boolean },
): Promise<ThroughputRun[]> {
  for (const t of targets) if (opts.warmup > 0) await autocannon({ ...options(t, opts.connections), duration: opts.warmup });
  const half = Math.max(1, Math.round(opts.duration / 2));
  const runs = targets.map(() => [] as Awaited<ReturnType<typeof autocannon>>[]);
  const cpuUs = targets.map(() => 0);
  const order = [...targets.keys(), ...[...targets.keys()].reverse()];
  for (const i of order) {
    const before = await gatewayCpu.read();
    runs[i].push(await autocannon({ ...options(targets[i], opts.connections), duration: half }));
    cpuUs[i] += (await gatewayCpu.read()) - before;
  }
  return targets.map((t, i) => {
    const rs = runs[i];
    const sum = (f: (r: (typeof rs)[number]) => number) => rs.reduce((a, r) => a + f(r), 0);
    return {
      name: t.name,
      reqPerSec: round(sum((r) => r['2xx']) / sum((r) => r.duration), 0),
      ok: sum((r) => r['2xx']),
      errors: sum((r) => r.errors),
      non2xx: sum((r) => r.non2xx),
      timeouts: sum((r) => r.timeouts),
      latencyMs: { p50: round(sum((r) => r.latency.p50) / rs.length, 1), p99: Math.max(...rs.map((r) => r.latency.p99)) },
      gatewayCpuUsPerReq: gatewayCpu.viaGateway(t) && sum((r) => r['2xx']) > 0 ? round(cpuUs[i] / sum((r) => r['2xx']), 0) : null,
    };
  });
}
