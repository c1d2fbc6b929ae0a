/**
 * Long conversations: does `previous_response_id` cost grow with the chain? Builds a chain of `turns`
 * responses one after another, then measures, interleaved request by request:
 *   - fork-1:    continue from a 1-turn response (the baseline: the shortest possible history),
 *   - fork-N:    continue from the N-th response, always the same one (a new branch each time, which makes
 *                the store copy the N-turn history into a new thread),
 *   - append:    continue from the current tip (the chain grows by one per request: what clients do),
 *   - upstream-1 / upstream-N: the exact bodies Switchboard sent upstream for fork-1 / fork-N, posted to the
 *     fake upstream directly — the upstream's own share (parsing ~2N messages) of the Switchboard numbers.
 */
import { timed, type Target } from './http-timing.js';
import { round, summarize, type Summary } from './stats.js';

export interface ChainResult {
  turns: number;
  samples: number;
  build: { seconds: number; firstTenMeanUs: number; lastTenMeanUs: number };
  upstreamBody: { shortMessages: number; shortBytes: number; longMessages: number; longBytes: number };
  fork1: Summary;
  forkN: Summary;
  append: Summary;
  upstream1: Summary;
  upstreamN: Summary;
  ratio: { forkN: { p50: number; p99: number }; append: { p50: number; p99: number } };
  /** Switchboard latency minus the upstream-direct latency for the equivalent body (p50, µs). */
  switchboardShareP50: { fork1: number; forkN: number; append: number };
}

type AskLastBody = () => Promise<any>;

const BLOCK = 10;

export async function measureChain(
  urls: { switchboard: string; upstreamChat: string },
  lastUpstreamBody: AskLastBody,
  opts: { turns: number; samples: number; warmup: number },
): Promise<ChainResult> {
  const create = (input: string, previous?: string): Target => ({
    name: 'switchboard',
    url: urls.switchboard,
    body: JSON.stringify(previous ? { model: 'fake/m', input, previous_response_id: previous } : { model: 'fake/m', input }),
  });
  const idOf = async (t: Target) => {
    const r = await timed(t, { parse: true });
    if (typeof r.json?.id !== 'string') throw new Error(`chain: no id in ${JSON.stringify(r.json).slice(0, 200)}`);
    return { id: r.json.id as string, ns: r.total };
  };

  // Build the chain.
  const started = Date.now();
  const buildNs: number[] = [];
  let tip: string | undefined;
  let firstId = '';
  for (let i = 1; i <= opts.turns; i++) {
    const r = await idOf(create(`turn ${i}: please keep this in mind for later`, tip));
    buildNs.push(r.ns);
    tip = r.id;
    if (i === 1) firstId = r.id;
  }
  const longId = tip!;
  const buildSeconds = (Date.now() - started) / 1000;

  // Capture what Switchboard sends upstream for each case, to replay it directly.
  await timed(create('fork probe', firstId));
  const shortBody = await lastUpstreamBody();
  await timed(create('fork probe', longId));
  const longBody = await lastUpstreamBody();
  if (!shortBody || !longBody) throw new Error('chain: the upstream did not report the last request body');
  const direct = (body: any, name: string): Target => ({
    name,
    url: urls.upstreamChat,
    body: JSON.stringify(body),
    streamEnd: body.stream === true ? '[DONE]' : undefined,
  });
  const upstream1 = direct(shortBody, 'upstream-1');
  const upstreamN = direct(longBody, 'upstream-N');

  const cases = {
    fork1: () => timed(create('continue', firstId)),
    forkN: () => timed(create('continue', longId)),
    append: async () => {
      const r = await timed(create('continue', tip), { parse: true });
      tip = r.json.id;
      return r;
    },
    upstream1: () => timed(upstream1),
    upstreamN: () => timed(upstreamN),
  };
  type Case = keyof typeof cases;
  const names = Object.keys(cases) as Case[];
  for (let i = 0; i < opts.warmup; i++) for (const n of names) await cases[n]();
  // Blocks of BLOCK requests per case, rotating order: a case is not measured right behind a heavier one
  // every time (its garbage would be collected on the next case's clock), yet drift is shared.
  const samples: Record<Case, number[]> = { fork1: [], forkN: [], append: [], upstream1: [], upstreamN: [] };
  for (let done = 0, round = 0; done < opts.samples; done += BLOCK, round++) {
    const count = Math.min(BLOCK, opts.samples - done);
    for (let k = 0; k < names.length; k++) {
      const n = names[(k + round) % names.length];
      for (let i = 0; i < count; i++) samples[n].push((await cases[n]()).total);
    }
  }

  const s = Object.fromEntries(names.map((n) => [n, summarize(samples[n])])) as Record<Case, Summary>;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length) / 1000;
  return {
    turns: opts.turns,
    samples: opts.samples,
    build: { seconds: round(buildSeconds, 2), firstTenMeanUs: round(mean(buildNs.slice(0, 10))), lastTenMeanUs: round(mean(buildNs.slice(-10))) },
    upstreamBody: {
      shortMessages: shortBody.messages?.length ?? 0,
      shortBytes: upstream1.body.length,
      longMessages: longBody.messages?.length ?? 0,
      longBytes: upstreamN.body.length,
    },
    ...s,
    ratio: {
      forkN: { p50: round(s.forkN.p50 / s.fork1.p50, 2), p99: round(s.forkN.p99 / s.fork1.p99, 2) },
      append: { p50: round(s.append.p50 / s.fork1.p50, 2), p99: round(s.append.p99 / s.fork1.p99, 2) },
    },
    switchboardShareP50: {
      fork1: round(s.fork1.p50 - s.upstream1.p50),
      forkN: round(s.forkN.p50 - s.upstreamN.p50),
      append: round(s.append.p50 - s.upstreamN.p50),
    },
  };
}
