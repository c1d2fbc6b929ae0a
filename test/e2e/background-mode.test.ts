/**
 * Background mode, end to end through the openai SDK and bare fetch: `background: true` answers at once
 * (`queued`), a worker runs it, GET shows it move on; a stream can be left and picked up again at any
 * `starting_after`, live or finished, each event exactly once; cancel stops a queued or a running response.
 * One worker only, so a second background response really waits in the queue.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { readSse, startSwitchboard, type TestServer } from '../helpers/switchboard.js';

let fake: FakeUpstream;
let sb: TestServer;

before(async () => {
  fake = await startFakeChatCompletions();
  sb = await startSwitchboard({
    providers: [{ name: 'vllm', kind: 'openai-chat', base_url: fake.baseUrl, retry: { max: 0 } }],
    background: { workers: 1 },
  });
});
after(async () => { await sb.close(); await fake.close(); });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A reply that takes ~`n` × `delayMs` to stream. */
const slow = (n = 40, delayMs = 25) => ({ kind: 'reply' as const, text: 'word '.repeat(n), chunkSize: 5, delayMs });

async function waitFor(id: string, statuses: string[], timeoutMs = 10_000) {
  const client = sb.client();
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await client.responses.retrieve(id);
    if (statuses.includes(r.status!)) return r;
    if (Date.now() > until) throw new Error(`still ${r.status}`);
    await sleep(20);
  }
}

/** Every event of a stream, as parsed JSON (without [DONE]). */
async function streamEvents(res: Response): Promise<any[]> {
  assert.equal(res.status, 200);
  return (await readSse(res)).map((f) => f.data).filter((d) => d !== '[DONE]');
}

/** The SDK adds `output_text` to what create and retrieve return, not to what cancel returns. */
const withoutOutputText = (r: any) => ({ ...r, output_text: undefined });

const resume = (id: string, after?: number) =>
  fetch(`${sb.url}/v1/responses/${id}?stream=true${after === undefined ? '' : `&starting_after=${after}`}`);

describe('background responses', () => {
  test('openai SDK: create answers queued at once; polling shows it run and complete', async () => {
    const client = sb.client();
    fake.enqueue(slow(10, 20));
    const r = await client.responses.create({ model: 'vllm/m', input: 'hi', background: true });
    assert.equal(r.status, 'queued');
    assert.equal(r.background, true);
    const seen = new Set<string>();
    for (;;) {
      const got = await client.responses.retrieve(r.id);
      seen.add(got.status!);
      if (got.status === 'completed') {
        assert.equal(got.output_text, 'word '.repeat(10));
        break;
      }
      await sleep(10);
    }
    assert.ok(seen.has('in_progress'), `saw ${[...seen]}`);
    const items = await client.responses.inputItems.list(r.id);
    assert.equal(items.data.length, 1);
  });

  test('background with store: false is a 400 naming background; nothing is stored', async () => {
    const res = await sb.post('/v1/responses', { model: 'vllm/m', input: 'hi', background: true, store: false });
    assert.equal(res.status, 400);
    const body = await res.json();
    assert.equal(body.error.param, 'background');
  });

  test('streamed: response.created (queued), response.queued, then the run live; the client may leave', async () => {
    fake.enqueue(slow(30, 20));
    const ac = new AbortController();
    const res = await fetch(`${sb.url}/v1/responses`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, signal: ac.signal,
      body: JSON.stringify({ model: 'vllm/m', input: 'leave early', background: true, stream: true }),
    });
    const reader = res.body!.getReader();
    let text = '';
    while ((text.match(/output_text\.delta/g) ?? []).length < 3) {
      const chunk = await reader.read();
      assert.ok(!chunk.done, `the stream ended early: ${text}`);
      text += new TextDecoder().decode(chunk.value);
    }
    ac.abort();
    const first = JSON.parse(text.split('\n').find((l) => l.startsWith('data: '))!.slice(6));
    assert.equal(first.type, 'response.created');
    assert.equal(first.response.status, 'queued');
    assert.match(text, /event: response\.queued\n/);
    const done = await waitFor(first.response.id, ['completed', 'cancelled', 'failed']);
    assert.equal(done.status, 'completed', 'leaving did not stop the background run');
    assert.equal(done.output_text, 'word '.repeat(30));
  });

  test('resume a finished stream from every N: exactly the events after N, in order', async () => {
    const res = await sb.post('/v1/responses', { model: 'vllm/m', input: 'count', background: true, stream: true });
    const original = await streamEvents(res);
    const id = original[0].response.id;
    assert.deepEqual(original.map((e) => e.sequence_number), original.map((_, i) => i));
    assert.equal(original[original.length - 1].type, 'response.completed');
    assert.deepEqual(await streamEvents(await resume(id)), original);
    for (let n = -1; n < original.length; n++) {
      assert.deepEqual(await streamEvents(await resume(id, n)), original.slice(n + 1), `starting_after=${n}`);
    }
  });

  test('resume a running stream from every N, all followers at once: each event exactly once, in order', async () => {
    fake.enqueue(slow(30, 25));
    const res = await sb.post('/v1/responses', { model: 'vllm/m', input: 'follow me', background: true, stream: true });
    const frames: any[] = [];
    const followers: Promise<any[]>[] = [];
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let at: number;
      while ((at = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, at);
        buf = buf.slice(at + 2);
        const data = block.split('\n').find((l) => l.startsWith('data: '))?.slice(6);
        if (!data || data === '[DONE]') continue;
        const e = JSON.parse(data);
        frames.push(e);
        // A follower joins after each event, while the run is live.
        followers.push(resume(e.response?.id ?? frames[0].response.id, e.sequence_number).then(streamEvents));
      }
    }
    assert.equal(frames[frames.length - 1].type, 'response.completed');
    const got = await Promise.all(followers);
    got.forEach((events, k) => assert.deepEqual(events, frames.slice(k + 1), `follower after ${k}`));
  });

  test('openai SDK: responses.retrieve(id, {stream, starting_after}) and responses.stream({response_id, starting_after})', async () => {
    const client = sb.client();
    fake.enqueue(slow(20, 20));
    const r = await client.responses.create({ model: 'vllm/m', input: 'sdk resume', background: true });
    const live = await client.responses.retrieve(r.id, { stream: true, starting_after: 2 });
    const seqs: number[] = [];
    let last = '';
    for await (const e of live) { seqs.push(e.sequence_number); last = e.type; }
    assert.equal(seqs[0], 3);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 3));
    assert.equal(last, 'response.completed');

    const stream = client.responses.stream({ response_id: r.id, starting_after: -1 } as any);
    const types: string[] = [];
    for await (const e of stream) types.push(e.type);
    assert.deepEqual(types.slice(0, 3), ['response.created', 'response.queued', 'response.in_progress']);
    const final = await stream.finalResponse();
    assert.equal(final.status, 'completed');
    assert.equal((final.output[0] as any).content[0].text, 'word '.repeat(20));
  });

  test('cancel: a running response stops at once with its output so far; twice gives the same object', async () => {
    const client = sb.client();
    fake.enqueue(slow(200, 25)); // ~5 s if it ran to the end
    const r = await client.responses.create({ model: 'vllm/m', input: 'long', background: true });
    const started = Date.now();
    const res = await resume(r.id);
    const reader = res.body!.getReader();
    let text = '';
    while ((text.match(/output_text\.delta/g) ?? []).length < 3) {
      const chunk = await reader.read();
      assert.ok(!chunk.done, `the stream ended early: ${text}`);
      text += new TextDecoder().decode(chunk.value);
    }
    const cancelled = await client.responses.cancel(r.id);
    assert.equal(cancelled.status, 'cancelled');
    assert.ok(cancelled.output.length > 0, 'the output so far is kept');
    assert.ok(Date.now() - started < 3000, 'the upstream call was aborted');
    // The follower's stream ends too.
    while (!(await reader.read()).done);
    assert.deepEqual(await client.responses.cancel(r.id), cancelled);
    assert.deepEqual(withoutOutputText(await client.responses.retrieve(r.id)), withoutOutputText(cancelled));
  });

  test('cancel: a queued response (the one worker is busy) ends cancelled without reaching the model', async () => {
    const client = sb.client();
    fake.enqueue(slow(40, 20));
    const busy = await client.responses.create({ model: 'vllm/m', input: 'busy', background: true });
    const queued = await client.responses.create({ model: 'vllm/m', input: 'waiting', background: true });
    assert.equal((await client.responses.retrieve(queued.id)).status, 'queued');
    const c = await client.responses.cancel(queued.id);
    assert.equal(c.status, 'cancelled');
    assert.deepEqual(c.output, []);
    assert.equal((await waitFor(busy.id, ['completed'])).status, 'completed');
    await sleep(50);
    assert.ok(!fake.received.some((r) => JSON.stringify(r.body).includes('waiting')), 'the cancelled response never called the model');
    assert.ok(fake.received.some((r) => JSON.stringify(r.body).includes('busy')));
    assert.equal((await client.responses.retrieve(queued.id)).status, 'cancelled');
  });

  test('cancel: a finished response is returned unchanged; a foreground one is a 400', async () => {
    const client = sb.client();
    const r = await client.responses.create({ model: 'vllm/m', input: 'quick', background: true });
    const done = await waitFor(r.id, ['completed']);
    assert.deepEqual(withoutOutputText(await client.responses.cancel(r.id)), withoutOutputText(done));
    const fg = await client.responses.create({ model: 'vllm/m', input: 'fg' });
    await assert.rejects(client.responses.cancel(fg.id), (e: any) => e.status === 400);
  });

  test('DELETE of a queued background response sticks: it never runs, GET is 404', async () => {
    const client = sb.client();
    fake.enqueue(slow(20, 20));
    const busy = await client.responses.create({ model: 'vllm/m', input: 'busy', background: true });
    const queued = await client.responses.create({ model: 'vllm/m', input: 'to delete', background: true });
    await client.responses.delete(queued.id);
    await assert.rejects(client.responses.retrieve(queued.id), (e: any) => e.status === 404);
    await waitFor(busy.id, ['completed']);
    await sleep(50);
    await assert.rejects(client.responses.retrieve(queued.id), (e: any) => e.status === 404);
    assert.deepEqual(sb.liveIds(), []);
  });
});
