/**
 * startUpstream without HTTP: which waits it asks for (retry-after honoured, else full-jitter backoff), and the
 * one deadline all attempts share.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cancellation, type CancelSignal } from '../../src/api/cancellation.js';
import { UpstreamError } from '../../src/api/errors.js';
import type { ProviderConfig, RetryPolicy } from '../../src/config/types.js';
import type { ModelEvent, ModelRequest, Provider } from '../../src/providers/types.js';
import { startUpstream, type PreparedRoute } from '../../src/responses/start-upstream.js';

type Attempt = UpstreamError | 'ok' | 'hang';

/** A route whose provider answers each call with the next scripted outcome; `calls` counts them. */
function route(name: string, script: Attempt[], retry: RetryPolicy) {
  const state = { calls: 0 };
  const provider: Provider = {
    name, kind: 'openai-chat', supportedParams: new Set(),
    async stream(request: ModelRequest): Promise<AsyncIterable<ModelEvent>> {
      const next = script[state.calls++] ?? 'ok';
      if (next === 'hang') {
        // Like an upstream that never answers: only the request's signal ends the wait.
        await new Promise<void>((_, reject) => request.signal.addEventListener('abort', () => reject(new UpstreamError('request aborted', { code: 'aborted' }))));
      }
      if (next instanceof UpstreamError) throw next;
      return (async function* () { yield { type: 'text-delta', delta: 'hi' } as ModelEvent; })();
    },
  };
  const config = { name, kind: 'openai-chat', retry } as ProviderConfig;
  const r: PreparedRoute = { provider, config, model: 'm', routed: `${name}/m`, params: { model: `${name}/m` }, dropped: [], omitted: [], serverRun: new Set<string>() };
  return { r, state };
}

const build = async (r: PreparedRoute, signal: CancelSignal): Promise<ModelRequest> =>
  ({ model: r.model, instructions: null, input: [], params: r.params, signal });

function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => { waits.push(ms); } };
}

const policy = (over: Partial<RetryPolicy> = {}): RetryPolicy => ({ max: 2, baseMs: 1000, maxMs: 4000, maxRetryAfterMs: 20_000, ...over });
const err = (status: number, retryAfter: string | null = null) => new UpstreamError('x', { status, retryAfter });

test('retry-after is honoured exactly, 0 included; without it the wait is full jitter within [cap/2, cap]', async () => {
  const { r } = route('a', [err(429, '0'), err(429, '2'), 'ok'], policy());
  const s = recordingSleep();
  const started = await startUpstream([r], build, new Cancellation(), { sleep: s.sleep });
  assert.equal(started.attempt, 3);
  assert.deepEqual(s.waits, [0, 2000]);

  const { r: r2 } = route('b', [err(500), err(503), 'ok'], policy());
  const s2 = recordingSleep();
  await startUpstream([r2], build, new Cancellation(), { sleep: s2.sleep });
  assert.equal(s2.waits.length, 2);
  assert.ok(s2.waits[0] >= 500 && s2.waits[0] <= 1000, `first wait ${s2.waits[0]}`);
  assert.ok(s2.waits[1] >= 1000 && s2.waits[1] <= 2000, `second wait ${s2.waits[1]}`);
});

test('a retry-after beyond max_retry_after_ms moves on to the fallback without waiting', async () => {
  const a = route('a', [err(429, '60')], policy());
  const b = route('b', ['ok'], policy());
  const s = recordingSleep();
  const started = await startUpstream([a.r, b.r], build, new Cancellation(), { sleep: s.sleep });
  assert.equal(started.route.config.name, 'b');
  assert.deepEqual(s.waits, []);
  assert.equal(a.state.calls, 1);
});

test('all attempts share one deadline: a hung attempt is abandoned at it, and nothing starts after it', async () => {
  const a = route('a', ['hang', 'hang', 'hang'], policy({ max: 2, baseMs: 1, maxMs: 1 }));
  const b = route('b', ['ok'], policy());
  const t0 = Date.now();
  await assert.rejects(startUpstream([a.r, b.r], build, new Cancellation(), { deadlineMs: 200 }), (e: unknown) => {
    assert.ok(e instanceof UpstreamError);
    assert.equal(e.code, 'upstream_timeout');
    assert.match(e.message, /200 ms deadline/);
    return true;
  });
  assert.ok(Date.now() - t0 < 5_000, 'ended at the deadline, not after every attempt');
  assert.equal(a.state.calls, 1, 'the hung attempt was the only one');
  assert.equal(b.state.calls, 0, 'no fallback started after the deadline');
});

test('a retry whose backoff would end past the deadline is not taken: the fallback is tried at once', async () => {
  const a = route('a', [err(503, '5')], policy());
  const b = route('b', ['ok'], policy());
  const s = recordingSleep();
  const started = await startUpstream([a.r, b.r], build, new Cancellation(), { sleep: s.sleep, deadlineMs: 1000 });
  assert.equal(started.route.config.name, 'b');
  assert.deepEqual(s.waits, []);
});

test('after the start the deadline no longer applies: the started stream keeps its signal un-aborted', async () => {
  const a = route('a', ['ok'], policy());
  let signal: CancelSignal | null = null;
  await startUpstream([a.r], async (r, s) => { signal = s; return build(r, s); }, new Cancellation(), { deadlineMs: 50 });
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(signal!.aborted, false);
});

test('a client that goes away aborts the attempt in flight through the same signal', async () => {
  const client = new Cancellation();
  const a = route('a', ['hang'], policy());
  const pending = startUpstream([a.r], build, client, { deadlineMs: 60_000 });
  setTimeout(() => client.cancel(), 20);
  await assert.rejects(pending, (e: unknown) => e instanceof UpstreamError && e.code === 'aborted');
});
