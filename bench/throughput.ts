/**
 * Throughput: autocannon keeps `connections` requests in flight for `duration` seconds (after an unmeasured
 * warm-up of the same shape) and counts 2xx answers per second. autocannon runs in the bench's own process;
 * the servers under test run in their own processes. Any non-2xx or socket error is reported, not hidden.
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
  /** autocannon's per-request latency under this load, ms. */
  latencyMs: { p50: number; p99: number };
}

export async function measureThroughput(t: Target, opts: { connections: number; duration: number; warmup: number }): Promise<ThroughputRun> {
  const base = {
    url: t.url,
    connections: opts.connections,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
    body: t.body,
    timeout: 30,
  };
  if (opts.warmup > 0) await autocannon({ ...base, duration: opts.warmup });
  const r = await autocannon({ ...base, duration: opts.duration });
  return {
    name: t.name,
    reqPerSec: round(r['2xx'] / r.duration, 0),
    ok: r['2xx'],
    errors: r.errors,
    non2xx: r.non2xx,
    timeouts: r.timeouts,
    latencyMs: { p50: r.latency.p50, p99: r.latency.p99 },
  };
}
