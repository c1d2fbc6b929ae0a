/**
 * Sequential latency: one request in flight at a time, so each number is the full path's service time with
 * no queueing. Targets are measured in interleaved blocks (rotating order) so drift — CPU frequency, GC, the
 * SQLite file growing — lands on all of them alike instead of on whichever ran last.
 */
import { timed, type Target } from './http-timing.js';
import { added, summarize, type Summary } from './stats.js';

/** Keyed targets; `upstream` (the fake, called directly) is the baseline the others are compared with. */
export type LatencyTargets = { upstream: Target; proxy: Target; switchboard: Target } & Record<string, Target>;

export interface LatencyResult {
  streaming: boolean;
  samples: number;
  warmup: number;
  /** Time to last byte (the whole answer). */
  total: Record<string, Summary>;
  /** Streaming only: time to the first SSE event. */
  firstEvent?: Record<string, Summary>;
  /** Each target's percentile minus the upstream's, µs. */
  addedTotal: Record<string, { p50: number; p99: number }>;
  addedFirstEvent?: Record<string, { p50: number; p99: number }>;
}

const BLOCK = 50;

export async function measureLatency(targets: LatencyTargets, opts: { samples: number; warmup: number; streaming: boolean }): Promise<LatencyResult> {
  const names = Object.keys(targets);
  for (const name of names) for (let i = 0; i < opts.warmup; i++) await timed(targets[name]);

  const first: Record<string, number[]> = {};
  const total: Record<string, number[]> = {};
  for (const name of names) { first[name] = []; total[name] = []; }
  for (let done = 0, round = 0; done < opts.samples; done += BLOCK, round++) {
    const n = Math.min(BLOCK, opts.samples - done);
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length];
      for (let i = 0; i < n; i++) {
        const t = await timed(targets[name]);
        first[name].push(t.first);
        total[name].push(t.total);
      }
    }
  }

  const summaries = (xs: Record<string, number[]>) => Object.fromEntries(names.map((n) => [n, summarize(xs[n])]));
  const addedOver = (s: Record<string, Summary>) =>
    Object.fromEntries(names.filter((n) => n !== 'upstream').map((n) => [n, added(s[n], s.upstream)]));
  const sTotal = summaries(total);
  const result: LatencyResult = { streaming: opts.streaming, samples: opts.samples, warmup: opts.warmup, total: sTotal, addedTotal: addedOver(sTotal) };
  if (opts.streaming) {
    result.firstEvent = summaries(first);
    result.addedFirstEvent = addedOver(result.firstEvent);
  }
  return result;
}
