/**
 * The run backends are seams: a server given a second, tiny EventLogStore or RunCancellation goes through it,
 * and only through it. A recording event log that answers with its own events is what a replay sends; a
 * cancellation that drops requests leaves the run running (the service has no side door to it); one that
 * delivers them cancels and deletes as the in-process default does.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { readSse, startSwitchboard, type TestServer } from '../helpers/switchboard.js';
import {
  InProcessCancellation, type CancelReason, type EventLogStore, type RunCancellation,
} from '../../src/engine/run-backends.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const slow = (n = 40, delayMs = 25) => ({ kind: 'reply' as const, text: 'word '.repeat(n), chunkSize: 5, delayMs });

/** Answers every read with `answer` (set by the test) and records what it was asked. */
class RecordingEventLog implements EventLogStore {
  readonly reads: { tenant: string; id: string; afterSeq: number }[] = [];
  answer: Record<string, unknown>[] = [];

  async read(ctx: { tenant: string }, response: { id: string }, afterSeq: number) {
    this.reads.push({ tenant: ctx.tenant, id: response.id, afterSeq });
    return this.answer;
  }
}

/** The in-process cancellation, recording every request, and dropping them while `deliver` is false. */
class RecordingCancellation implements RunCancellation {
  private readonly inner = new InProcessCancellation();
  readonly requests: { id: string; reason: CancelReason }[] = [];
  readonly listening = new Set<string>();
  deliver = true;

  async request(id: string, reason: CancelReason): Promise<boolean> {
    this.requests.push({ id, reason });
    await sleep(1); // asynchronous, as a message to another process would be
    return this.deliver ? this.inner.request(id, reason) : false;
  }

  onRequest(id: string, handler: (reason: CancelReason) => void): () => void {
    this.listening.add(id);
    const off = this.inner.onRequest(id, handler);
    return () => {
      this.listening.delete(id);
      off();
    };
  }
}

let fake: FakeUpstream;
let sb: TestServer;
const eventLog = new RecordingEventLog();
const cancellation = new RecordingCancellation();

before(async () => {
  fake = await startFakeChatCompletions();
  sb = await startSwitchboard({
    providers: [{ name: 'vllm', kind: 'openai-chat', base_url: fake.baseUrl, retry: { max: 0 } }],
    background: { workers: 1 },
  }, {}, { backends: { eventLog, cancellation } });
});
after(async () => { await sb.close(); await fake.close(); });

async function waitFor(id: string, statuses: string[], timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await sb.client().responses.retrieve(id);
    if (statuses.includes(r.status!)) return r;
    if (Date.now() > until) throw new Error(`still ${r.status}`);
    await sleep(20);
  }
}

describe('EventLogStore', () => {
  test('a replay of a finished response sends what the injected event log read, and nothing from elsewhere', async () => {
    fake.enqueue({ kind: 'reply', text: 'hello there' });
    const created = await sb.post('/v1/responses', { model: 'vllm/m', input: 'hi', stream: true });
    const events = (await readSse(created)).map((f) => f.data).filter((d) => d !== '[DONE]');
    const id = events[0].response.id;
    const last = events[events.length - 1];
    assert.equal(last.type, 'response.completed');
    // The store holds every event; this log answers with the terminal one only.
    eventLog.answer = [last];
    const res = await fetch(`${sb.url}/v1/responses/${id}?stream=true&starting_after=1`);
    assert.equal(res.status, 200);
    const replayed = (await readSse(res)).map((f) => f.data).filter((d) => d !== '[DONE]');
    assert.deepEqual(replayed, [last]);
    const read = eventLog.reads.at(-1)!;
    assert.deepEqual([read.id, read.afterSeq], [id, 1]);
  });
});

describe('RunCancellation', () => {
  test('a cancel the backend does not deliver does not reach the run: it runs on and completes', async () => {
    const client = sb.client();
    fake.enqueue(slow(30, 20));
    const r = await client.responses.create({ model: 'vllm/m', input: 'undelivered', background: true });
    await waitFor(r.id, ['in_progress']);
    assert.ok(cancellation.listening.has(r.id), 'the running run listens for requests');
    cancellation.deliver = false;
    try {
      const answered = await client.responses.cancel(r.id);
      assert.notEqual(answered.status, 'cancelled');
      assert.deepEqual(cancellation.requests.at(-1), { id: r.id, reason: 'cancel' });
    } finally {
      cancellation.deliver = true;
    }
    const done = await waitFor(r.id, ['completed', 'cancelled', 'failed']);
    assert.equal(done.status, 'completed');
    assert.ok(!cancellation.listening.has(r.id), 'a settled run stops listening');
  });

  test('a delivered cancel stops the running response: stored cancelled with the output so far', async () => {
    const client = sb.client();
    fake.enqueue(slow(200, 25));
    const r = await client.responses.create({ model: 'vllm/m', input: 'delivered', background: true });
    await waitFor(r.id, ['in_progress']);
    await sleep(150);
    const cancelled = await client.responses.cancel(r.id);
    assert.equal(cancelled.status, 'cancelled');
    assert.deepEqual(cancellation.requests.at(-1), { id: r.id, reason: 'cancel' });
    assert.ok(!cancellation.listening.has(r.id));
  });

  test('a DELETE of a running response is a "deleted" request to its run, which ends stored nowhere', async () => {
    const client = sb.client();
    fake.enqueue(slow(200, 25));
    const r = await client.responses.create({ model: 'vllm/m', input: 'to delete', background: true });
    await waitFor(r.id, ['in_progress']);
    await client.responses.delete(r.id);
    assert.deepEqual(cancellation.requests.at(-1), { id: r.id, reason: 'deleted' });
    for (let i = 0; cancellation.listening.has(r.id) && i < 200; i++) await sleep(10);
    assert.ok(!cancellation.listening.has(r.id), 'the run stopped and settled');
    await assert.rejects(client.responses.retrieve(r.id), (e: any) => e.status === 404);
  });

  test('a foreground streamed response listens while it runs, and DELETE reaches it through the backend', async () => {
    fake.enqueue(slow(200, 25));
    const res = await sb.post('/v1/responses', { model: 'vllm/m', input: 'fg', stream: true });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('output_text.delta')) text += new TextDecoder().decode((await reader.read()).value);
    const id = /"id":"(resp_[^"]+)"/.exec(text)![1];
    assert.ok(cancellation.listening.has(id));
    const del = await fetch(`${sb.url}/v1/responses/${id}`, { method: 'DELETE' });
    assert.equal(del.status, 200);
    assert.deepEqual(cancellation.requests.at(-1), { id, reason: 'deleted' });
    while (!(await reader.read()).done);
    assert.ok(!cancellation.listening.has(id));
  });
});
