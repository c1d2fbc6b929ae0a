/**
 * How a response ends when something goes wrong: a store that refuses the write (a real SQLite trigger on the
 * same file), an upstream that fails while the store does too, a deeply nested input, and a DELETE while the
 * response runs. Each must leave nothing in memory and nothing half-stored, and tell the client.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { readSse, startSwitchboard, type TestServer } from '../helpers/switchboard.js';

let fake: FakeUpstream;
let sb: TestServer;
let db: Database.Database;

before(async () => {
  fake = await startFakeChatCompletions();
  const dbPath = join(mkdtempSync(join(tmpdir(), 'sb-lifecycle-')), 'switchboard.db');
  sb = await startSwitchboard({
    providers: [{ name: 'vllm', kind: 'openai-chat', base_url: fake.baseUrl, retry: { max: 0 } }],
  }, {}, { dbPath });
  // A second connection to the same file, as an operator's tool would have: it installs the failures.
  db = new Database(dbPath);
});
after(async () => { db.close(); await sb.close(); await fake.close(); });

function failWrites(table: 'responses' | 'items') {
  db.exec(`CREATE TRIGGER IF NOT EXISTS fail_${table} BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, 'boom'); END`);
}
function allowWrites() {
  db.exec('DROP TRIGGER IF EXISTS fail_responses; DROP TRIGGER IF EXISTS fail_items;');
}
function storedCount(): number {
  return (db.prepare('SELECT count(*) AS n FROM responses').get() as { n: number }).n;
}

async function expectEnvelope(res: Response, status: number, code: string) {
  assert.equal(res.status, status);
  const body = await res.json();
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(body.error.code, code);
  return body.error;
}

describe('a response whose store write fails is released from memory', () => {
  beforeEach(allowWrites);

  test('not streamed: 502 store_error, nothing stored, nothing left in memory', async () => {
    failWrites('responses');
    const before = storedCount();
    const e = await expectEnvelope(await sb.post('/v1/responses', { model: 'vllm/m', input: 'hi' }), 502, 'store_error');
    assert.match(e.message, /boom/);
    assert.equal(storedCount(), before);
    assert.deepEqual(sb.liveIds(), []);
  });

  test('streamed: response.failed (store_error) then [DONE]; GET is 404 afterwards', async () => {
    failWrites('items');
    const frames = await readSse(await sb.post('/v1/responses', { model: 'vllm/m', input: 'hi', stream: true }));
    const id = frames[0].data.response.id;
    const last = frames[frames.length - 2].data;
    assert.equal(last.type, 'response.failed');
    assert.equal(last.response.error.code, 'store_error');
    assert.equal(frames[frames.length - 1].data, '[DONE]');
    assert.equal((await fetch(`${sb.url}/v1/responses/${id}`)).status, 404, 'no failed response served from memory');
    assert.deepEqual(sb.liveIds(), []);
  });

  test('an upstream failure whose failed response cannot be stored still answers with the upstream error', async () => {
    failWrites('responses');
    fake.enqueue({ kind: 'error', status: 500, message: 'upstream exploded' });
    const e = await expectEnvelope(await sb.post('/v1/responses', { model: 'vllm/m', input: 'hi' }), 502, 'upstream_error');
    assert.match(e.message, /upstream exploded/);
    assert.deepEqual(sb.liveIds(), []);
  });

  test('a client that disconnects while the store fails leaves nothing behind', async () => {
    failWrites('responses');
    fake.enqueue({ kind: 'reply', text: 'slow '.repeat(40), chunkSize: 5, delayMs: 20 });
    const ctl = new AbortController();
    const res = await fetch(`${sb.url}/v1/responses`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'vllm/m', input: 'hi', stream: true }), signal: ctl.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    ctl.abort();
    await waitFor(() => sb.liveIds().length === 0, 'the cancelled response left memory');
  });

  test('repeated failing requests do not grow memory', async () => {
    failWrites('responses');
    for (let i = 0; i < 25; i++) {
      const stream = i % 2 === 0;
      const res = await sb.post('/v1/responses', { model: 'vllm/m', input: `hi ${i}`, stream });
      if (stream) await res.text();
      else await expectEnvelope(res, 502, 'store_error');
    }
    for (let i = 0; i < 5; i++) {
      fake.enqueue({ kind: 'error', status: 503 });
      await expectEnvelope(await sb.post('/v1/responses', { model: 'vllm/m', input: 'x' }), 502, 'upstream_error');
    }
    assert.deepEqual(sb.liveIds(), []);
  });

  test('a deeply nested input (the issue\'s reproduction) leaves nothing in memory, whatever the answer', async () => {
    // Written as text: the test's own JSON.stringify would overflow the stack too.
    const deep = `${'{"d":'.repeat(6000)}"bottom"${'}'.repeat(6000)}`;
    const text = 'x'.repeat(4 * 1024 * 1024);
    const body = `{"model":"vllm/m","input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"${text}"}],"nested":${deep}}]}`;
    const res = await sb.post('/v1/responses', body);
    assert.ok(res.status >= 400 && res.status !== 500, `an error envelope, not a 500 (got ${res.status})`);
    await res.json();
    assert.deepEqual(sb.liveIds(), []);
  });
});

describe('DELETE of a running response sticks', () => {
  beforeEach(allowWrites);

  test('streamed (openai SDK): deleted, the stream ends with response.failed response_deleted + [DONE], GET stays 404', async () => {
    const client = sb.client();
    fake.enqueue({ kind: 'reply', text: 'word '.repeat(200), chunkSize: 5, delayMs: 15 });
    const started = Date.now();
    const stream = await client.responses.create({ model: 'vllm/m', input: 'long story', stream: true });
    const events: any[] = [];
    let id = '';
    for await (const e of stream) {
      events.push(e);
      if (e.type === 'response.created') id = e.response.id;
      if (e.type === 'response.output_text.delta' && events.filter((x) => x.type === 'response.output_text.delta').length === 3) {
        const del = await client.responses.delete(id);
        assert.equal((del as any)?.deleted ?? true, true);
        await assert.rejects(client.responses.retrieve(id), (err: any) => err.status === 404);
      }
    }
    const last = events[events.length - 1];
    assert.equal(last.type, 'response.failed');
    assert.equal(last.response.error.code, 'response_deleted');
    // The upstream call was aborted: 200 chunks at 15 ms would take 3 s.
    assert.ok(Date.now() - started < 2500, 'the stream ended early');
    await new Promise((r) => setTimeout(r, 200));
    await assert.rejects(client.responses.retrieve(id), (err: any) => err.status === 404);
    await assert.rejects(client.responses.inputItems.list(id), (err: any) => err.status === 404);
    assert.equal((db.prepare('SELECT count(*) AS n FROM responses WHERE id = ?').get(id) as { n: number }).n, 0);
    assert.deepEqual(sb.liveIds(), []);
  });

  test('raw HTTP: DELETE answers deleted: true, and the stream ends with response.failed then [DONE]', async () => {
    fake.enqueue({ kind: 'reply', text: 'word '.repeat(200), chunkSize: 5, delayMs: 15 });
    const res = await sb.post('/v1/responses', { model: 'vllm/m', input: 'again', stream: true });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('output_text.delta')) text += decoder.decode((await reader.read()).value);
    const id = /"id":"(resp_[^"]+)"/.exec(text)![1];
    const del = await fetch(`${sb.url}/v1/responses/${id}`, { method: 'DELETE' });
    assert.equal(del.status, 200);
    assert.deepEqual(await del.json(), { id, object: 'response', deleted: true });
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    assert.match(text, /event: response\.failed\ndata: [^\n]*"code":"response_deleted"/);
    assert.ok(text.endsWith('data: [DONE]\n\n'));
    assert.equal((await fetch(`${sb.url}/v1/responses/${id}`)).status, 404);
  });

  test('not streamed: the waiting client gets a 409 response_deleted envelope; nothing is stored', async () => {
    // A non-streamed request is not streamed from the upstream either: one that has not answered yet.
    fake.enqueue({ kind: 'hang' });
    const before = storedCount();
    const pending = sb.post('/v1/responses', { model: 'vllm/m', input: 'wait for me' });
    await waitFor(() => sb.liveIds().length === 1, 'the response is running');
    const [id] = sb.liveIds();
    const client = new OpenAI({ apiKey: 'x', baseURL: `${sb.url}/v1`, maxRetries: 0 });
    await client.responses.delete(id);
    const res = await pending;
    assert.equal(res.headers.get('x-should-retry'), 'false', 'the SDK must not create it again');
    await expectEnvelope(res, 409, 'response_deleted');
    assert.equal(storedCount(), before);
    assert.equal((await fetch(`${sb.url}/v1/responses/${id}`)).status, 404);
    assert.deepEqual(sb.liveIds(), []);
  });

  test('a stored response is still deleted as before', async () => {
    const client = sb.client();
    const r = await client.responses.create({ model: 'vllm/m', input: 'keep me' });
    await client.responses.delete(r.id);
    await assert.rejects(client.responses.retrieve(r.id), (err: any) => err.status === 404);
  });
});

async function waitFor(cond: () => boolean, what: string, ms = 5000) {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) assert.fail(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
