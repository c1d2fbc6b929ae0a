/**
 * The Run (src/engine/run.ts) on its own: the terminal event waits for the commit, for the request's subscriber
 * and for followers alike; a follower joining at any point gets each event once, in order; a failed commit
 * turns the terminal event into `response.failed` everywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialResponse } from '../../src/api/response-object.js';
import { Cancellation } from '../../src/api/cancellation.js';
import { Run, type RunHost, type RunSubscriber } from '../../src/engine/run.js';
import { RunControl } from '../../src/engine/run-control.js';

function makeRun(commit: RunHost['commit']) {
  const response = initialResponse('resp_1', 'p/m', { model: 'p/m', input: 'hi' } as any, 1);
  let settled = 0;
  const run = new Run(response, new RunControl(new Cancellation()), { store: true, commit, settle: () => { settled++; } }, {
    events: true, includeEncrypted: false, maxToolCalls: null,
  });
  return { run, settled: () => settled };
}

function collector() {
  const seen: { type: string; seq: number }[] = [];
  let ended = false;
  const sub: RunSubscriber = {
    event: (type, json) => seen.push({ type, seq: JSON.parse(json).sequence_number }),
    end: () => { ended = true; },
  };
  return { sub, seen, ended: () => ended };
}

test('followers joining at every point get each event once, in order; the terminal event waits for the commit', async () => {
  let release!: () => void;
  const committed = new Promise<void>((r) => { release = r; });
  const { run, settled } = makeRun(async () => { await committed; });
  const primary = collector();
  const followers: ReturnType<typeof collector>[] = [];
  const join = () => {
    const f = collector();
    run.subscribe(followers.length - 1, f.sub);
    followers.push(f);
  };
  join();
  const done = run.execute(primary.sub, async (builder) => {
    for (const w of ['a', 'b', 'c']) {
      builder.apply({ type: 'text-delta', delta: w } as any);
      join();
    }
    builder.apply({ type: 'finish', reason: 'stop' } as any);
    const response = builder.finish();
    join();
    return { response, error: null, cancelled: false };
  });
  await new Promise((r) => setTimeout(r, 10));
  assert.ok(!primary.seen.some((e) => e.type === 'response.completed'), 'held until the commit');
  assert.equal(settled(), 0);
  release();
  const result = await done;
  assert.equal(result.response.status, 'completed');
  assert.equal(settled(), 1);
  const all = primary.seen;
  assert.equal(all[all.length - 1].type, 'response.completed');
  assert.deepEqual(all.map((e) => e.seq), all.map((_, i) => i));
  // A follower after the end replays everything from memory.
  const late = collector();
  run.subscribe(-1, late.sub);
  assert.deepEqual(late.seen, all);
  assert.ok(late.ended());
  followers.forEach((f, k) => {
    assert.ok(f.ended(), `follower ${k} ended`);
    const after = k - 1;
    assert.deepEqual(f.seen, all.filter((e) => e.seq > after), `follower after ${after}`);
  });
});

test('a commit that fails: every subscriber gets response.failed (store_error) in the terminal event\'s place', async () => {
  const { run } = makeRun(async () => { throw new Error('disk full'); });
  const primary = collector();
  const follower = collector();
  run.subscribe(-1, follower.sub);
  const result = await run.execute(primary.sub, async (builder) => {
    builder.apply({ type: 'text-delta', delta: 'x' } as any);
    return { response: builder.finish(), error: null, cancelled: false };
  });
  assert.equal(result.error?.code, 'store_error');
  for (const s of [primary.seen, follower.seen]) {
    assert.equal(s[s.length - 1].type, 'response.failed');
    assert.ok(!s.some((e) => e.type === 'response.completed'));
    assert.deepEqual(s.map((e) => e.seq), s.map((_, i) => i));
  }
});
