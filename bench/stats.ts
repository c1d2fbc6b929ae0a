/** Percentile summaries of latency samples. Samples are nanoseconds (hrtime); summaries are microseconds. */

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

/** Nearest-rank percentile over an ascending array. */
function rank(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summarize(samplesNs: number[]): Summary {
  const us = samplesNs.map((ns) => ns / 1000).sort((a, b) => a - b);
  const sum = us.reduce((a, b) => a + b, 0);
  return {
    n: us.length,
    p50: round(rank(us, 50)),
    p90: round(rank(us, 90)),
    p99: round(rank(us, 99)),
    mean: round(sum / Math.max(1, us.length)),
    min: round(us[0] ?? NaN),
    max: round(us[us.length - 1] ?? NaN),
  };
}

/** Difference of percentiles (not percentile of differences: the samples are not paired). */
export function added(over: Summary, base: Summary): { p50: number; p99: number } {
  return { p50: round(over.p50 - base.p50), p99: round(over.p99 - base.p99) };
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function now(): bigint {
  return process.hrtime.bigint();
}

/** The median of plain numbers (upper median for an even count, as rank() takes it). */
export function median(xs: number[]): number {
  return rank([...xs].sort((a, b) => a - b), 50);
}
