/**
 * `Idempotency-Key` end to end, with the `openai` SDK and raw fetch: replays (JSON and SSE, stored or not),
 * conflicts, keys in use, failures that free the key, expiry, tenants, racing retries, and the SDK's own
 * retries after a connection cut. The fake upstream's call count proves the model ran once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { startSwitchboard, type TestServer } from '../helpers/switchboard.js';
import { startCuttingProxy, startUpstreamGate, type UpstreamGate } from '../helpers/idempotency-rigs.js';

let fake: FakeUpstream;
let gate: UpstreamGate;
let sb: TestServer;

const TENANT_A = 'sk-tenant-a';
const TENANT_A2 = 'sk-tenant-a-second-key';
const TENANT_B = 'sk-tenant-b';

before(async () => {
  fake = await startFakeChatCompletions();
  gate = await startUpstreamGate(fake.baseUrl);
  sb = await startSwitchboard({
    auth: { api_keys: [{ key: TENANT_A, tenant: 'a' }, { key: TENANT_A2, tenant: 'a' }, { key: TENANT_B, tenant: 'b' }] },
    providers: [{ name: 'vllm', kind: 'openai-chat', base_url: gate.baseUrl, retry: { max: 0 } }],
  });
});
after(async () => { await sb.close(); await gate.close(); await fake.close(); });

let n = 0;
const newKey = () => `key-${process.pid}-${++n}-${Math.random().toString(36).slice(2)}`;

function post(body: unknown, key: string | null, apiKey = TENANT_A, path = '/v1/responses') {
  const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` };
  if (key !== null) headers['idempotency-key'] = key;
  return sb.post(path, body, headers);
}

async function expectError(res: Response, status: number, code: string) {
  const text = await res.text();
  assert.equal(res.status, status, text);
  const body = JSON.parse(text);
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(body.error.code, code);
  assert.equal(body.error.param, null);
  return { error: body.error, headers: res.headers };
}

function storedResponses(): Promise<number> {
  return sb.db.selectFrom('responses').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow().then((r) => Number(r.n));
}

describe('replay', () => {
  test('same key, same body, not streamed: the same status and body, the model not called again', async () => {
    const key = newKey();
    const body = { model: 'vllm/m', input: 'replay me' };
    const calls = gate.calls;
    const first = await post(body, key);
    assert.equal(first.status, 200);
    const firstText = await first.text();
    assert.equal(first.headers.get('idempotent-replayed'), null);
    const second = await post(body, key);
    assert.equal(second.status, 200);
    assert.equal(await second.text(), firstText);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    assert.equal(second.headers.get('content-type'), 'application/json');
    assert.equal(second.headers.get('original-request-id'), first.headers.get('x-request-id'));
    assert.notEqual(second.headers.get('x-request-id'), first.headers.get('x-request-id'));
    assert.equal(gate.calls, calls + 1);
  });

  test('the SDK with the same key gets the same response id; `/responses` and `/v1/responses` are one route', async () => {
    const client = new OpenAI({ apiKey: TENANT_A, baseURL: `${sb.url}/v1`, maxRetries: 0 });
    const bare = new OpenAI({ apiKey: TENANT_A, baseURL: sb.url, maxRetries: 0 });
    const key = newKey();
    const calls = gate.calls;
    const a = await client.responses.create({ model: 'vllm/m', input: 'sdk replay' }, { headers: { 'Idempotency-Key': key } });
    const b = await bare.responses.create({ model: 'vllm/m', input: 'sdk replay' }, { headers: { 'Idempotency-Key': key } });
    assert.equal(b.id, a.id);
    assert.equal(b.output_text, a.output_text);
    assert.equal(gate.calls, calls + 1);
  });

  test('streamed: the replay is the first stream, byte for byte, as SSE', async () => {
    const key = newKey();
    const body = { model: 'vllm/m', input: 'stream me', stream: true };
    const calls = gate.calls;
    const first = await post(body, key);
    const firstText = await first.text();
    assert.match(firstText, /event: response.completed/);
    const second = await post(body, key);
    assert.equal(second.status, 200);
    assert.match(second.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    assert.equal(await second.text(), firstText);
    assert.equal(gate.calls, calls + 1);

    // The SDK reads the replayed stream as it read the first.
    const client = new OpenAI({ apiKey: TENANT_A, baseURL: `${sb.url}/v1`, maxRetries: 0 });
    const events = [];
    for await (const e of await client.responses.create({ model: 'vllm/m', input: 'stream me', stream: true }, { headers: { 'Idempotency-Key': key } })) events.push(e);
    assert.equal(events.at(-1)!.type, 'response.completed');
    assert.equal(gate.calls, calls + 1);
  });

  test('store: false (no stored event log) replays too, streamed and not', async () => {
    const calls = gate.calls;
    const stored = await storedResponses();
    for (const stream of [false, true]) {
      const key = newKey();
      const body = { model: 'vllm/m', input: 'not stored', store: false, stream };
      const first = await (await post(body, key)).text();
      const again = await post(body, key);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.equal(await again.text(), first);
    }
    assert.equal(gate.calls, calls + 2);
    assert.equal(await storedResponses(), stored);
  });

  test('file uploads: the same upload with the same key is one file, though each form has its own boundary', async () => {
    const key = newKey();
    const upload = () => {
      const form = new FormData();
      form.append('purpose', 'user_data');
      form.append('file', new Blob(['hello idempotent file']), 'a.txt');
      return fetch(`${sb.url}/v1/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${TENANT_A}`, 'idempotency-key': key } });
    };
    const first = await upload();
    assert.equal(first.status, 200);
    const a = await first.json();
    const second = await upload();
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    assert.equal((await second.json()).id, a.id);
    const list = await (await fetch(`${sb.url}/v1/files`, { headers: { authorization: `Bearer ${TENANT_A}` } })).json();
    assert.equal(list.data.filter((f: { filename: string }) => f.filename === 'a.txt').length, 1);
  });

  test('the SDK uploading one file twice with one key: one file (the SDK draws a new multipart boundary each time)', async () => {
    const client = new OpenAI({ apiKey: TENANT_A, baseURL: `${sb.url}/v1`, maxRetries: 0 });
    const key = newKey();
    const upload = () => client.files.create({ file: new File(['sdk idempotent upload'], 'sdk.txt'), purpose: 'user_data' }, { headers: { 'Idempotency-Key': key } });
    const a = await upload();
    const b = await upload();
    assert.equal(b.id, a.id);
    const list = await client.files.list();
    assert.equal(list.data.filter((f) => f.filename === 'sdk.txt').length, 1);
  });

  test('a request without the header is never replayed', async () => {
    const calls = gate.calls;
    const a = await (await post({ model: 'vllm/m', input: 'no key' }, null)).json();
    const b = await (await post({ model: 'vllm/m', input: 'no key' }, null)).json();
    assert.notEqual(a.id, b.id);
    assert.equal(gate.calls, calls + 2);
  });
});

describe('refusals', () => {
  test('same key, different body: 409 idempotency_key_conflict, which the SDK does not retry', async () => {
    const key = newKey();
    assert.equal((await post({ model: 'vllm/m', input: 'one' }, key)).status, 200);
    const { error, headers } = await expectError(await post({ model: 'vllm/m', input: 'two' }, key), 409, 'idempotency_key_conflict');
    assert.equal(error.type, 'invalid_request_error');
    assert.equal(headers.get('x-should-retry'), 'false');

    const client = new OpenAI({ apiKey: TENANT_A, baseURL: `${sb.url}/v1`, maxRetries: 2 });
    const calls = gate.calls;
    const started = Date.now();
    await assert.rejects(
      client.responses.create({ model: 'vllm/m', input: 'three' }, { headers: { 'Idempotency-Key': key } }),
      (err: unknown) => err instanceof OpenAI.ConflictError && (err.error as { code?: string }).code === 'idempotency_key_conflict',
    );
    assert.ok(Date.now() - started < 400, 'no retry backoff was waited');
    assert.equal(gate.calls, calls);
  });

  test('a key longer than 255 characters, or empty: 400 invalid_idempotency_key, nothing runs', async () => {
    const calls = gate.calls;
    await expectError(await post({ model: 'vllm/m', input: 'x' }, 'k'.repeat(256)), 400, 'invalid_idempotency_key');
    await expectError(await post({ model: 'vllm/m', input: 'x' }, ''), 400, 'invalid_idempotency_key');
    assert.equal(gate.calls, calls);
  });

  test('same key while the first still runs: 409 idempotency_key_in_use (retry-after), then the replay', async () => {
    const key = newKey();
    const body = { model: 'vllm/m', input: 'slow one' };
    gate.hold();
    const calls = gate.calls;
    const first = post(body, key);
    await waitFor(() => gate.calls === calls + 1);
    const { headers } = await expectError(await post(body, key), 409, 'idempotency_key_in_use');
    assert.equal(headers.get('retry-after'), '1');
    assert.equal(headers.get('x-should-retry'), 'true');
    // A different body while in use is refused the same way: the first's body is not known to be whole yet.
    await expectError(await post({ ...body, input: 'other' }, key), 409, 'idempotency_key_in_use');
    gate.open();
    const firstText = await (await first).text();
    const replay = await post(body, key);
    assert.equal(await replay.text(), firstText);
    assert.equal(gate.calls, calls + 1);
  });
});

describe('what frees a key', () => {
  test('a 4xx (the request was refused, nothing created): the same key runs the corrected request', async () => {
    const key = newKey();
    const refused = await post({ input: 'no model' }, key);
    assert.equal(refused.status, 400);
    await refused.text();
    const ok = await post({ model: 'vllm/m', input: 'now with a model' }, key);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('idempotent-replayed'), null);
  });

  test('an upstream failure (5xx answer): a retry with the same key runs again and its success is kept', async () => {
    const key = newKey();
    const body = { model: 'vllm/m', input: 'flaky' };
    fake.enqueue({ kind: 'error', status: 500, message: 'upstream down' });
    const calls = gate.calls;
    const failed = await post(body, key);
    assert.ok(failed.status >= 500, String(failed.status));
    await failed.text();
    const ok = await post(body, key);
    assert.equal(ok.status, 200);
    const okText = await ok.text();
    const replay = await post(body, key);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.equal(await replay.text(), okText);
    assert.equal(gate.calls, calls + 2);
  });
});

describe('what frees a key, when the stream fails', () => {
  test('a stream that ends in response.failed (upstream dropped mid-stream) is no result: the retry runs again', async () => {
    const key = newKey();
    const body = { model: 'vllm/m', input: 'dropped', stream: true };
    const calls = gate.calls;
    fake.enqueue({ kind: 'drop-mid-stream', text: 'partial answer' });
    const failed = await post(body, key);
    assert.equal(failed.status, 200);
    assert.match(await failed.text(), /event: response\.failed/);
    const retry = await post(body, key);
    assert.equal(retry.headers.get('idempotent-replayed'), null);
    const text = await retry.text();
    assert.match(text, /event: response\.completed/);
    const replay = await post(body, key);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.equal(await replay.text(), text);
    assert.equal(gate.calls, calls + 2);
  });
});

describe('what frees a key, when the client goes', () => {
  for (const stream of [false, true]) {
    test(`a client that leaves before the answer is complete (stream: ${stream}): the run is cancelled, the key freed`, async () => {
      const key = newKey();
      const body = { model: 'vllm/m', input: 'leaving', stream };
      gate.hold();
      const calls = gate.calls;
      const leaving = new AbortController();
      const first = fetch(`${sb.url}/v1/responses`, {
        method: 'POST', signal: leaving.signal, body: JSON.stringify(body),
        headers: { authorization: `Bearer ${TENANT_A}`, 'content-type': 'application/json', 'idempotency-key': key },
      }).then((r) => r.text());
      await waitFor(() => gate.calls === calls + 1);
      leaving.abort();
      await assert.rejects(first);
      gate.open();
      // Freed once Switchboard has seen the close: until then the key is in use.
      let retry: Response;
      for (;;) {
        retry = await post(body, key);
        if (retry.status !== 409) break;
        await retry.text();
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(retry.status, 200);
      assert.equal(retry.headers.get('idempotent-replayed'), null);
      await retry.text();
      assert.equal(gate.calls, calls + 2);
    });
  }
});

describe('scope', () => {
  test('tenants: the same key and body under two tenants are two requests; two keys of one tenant share it', async () => {
    const key = newKey();
    const body = { model: 'vllm/m', input: 'tenants' };
    const calls = gate.calls;
    const a = await (await post(body, key, TENANT_A)).json();
    const b = await (await post(body, key, TENANT_B)).json();
    assert.notEqual(a.id, b.id);
    const a2 = await post(body, key, TENANT_A2);
    assert.equal(a2.headers.get('idempotent-replayed'), 'true');
    assert.equal((await a2.json()).id, a.id);
    // A different body under tenant b does not conflict with tenant a's record, only with b's.
    await expectError(await post({ ...body, input: 'other' }, key, TENANT_B), 409, 'idempotency_key_conflict');
    assert.equal(gate.calls, calls + 2);
  });

  test('input_tokens is not an idempotent route: the header is ignored there', async () => {
    const key = newKey();
    await post({ model: 'vllm/m', input: 'count' }, key, TENANT_A, '/v1/responses/input_tokens').then((r) => r.text());
    const res = await post({ model: 'vllm/m', input: 'count me' }, key, TENANT_A, '/v1/responses/input_tokens');
    assert.notEqual(res.status, 409);
    assert.equal(res.headers.get('idempotent-replayed'), null);
    await res.text();
  });
});

describe('racing retries', () => {
  test('20 concurrent requests with one key: one upstream call, the others 409 in use, then all get its answer', async () => {
    const key = newKey();
    const body = { model: 'vllm/m', input: 'race' };
    gate.hold();
    const calls = gate.calls;
    const done: { status: number; text: string }[] = [];
    const pending = Array.from({ length: 20 }, () => post(body, key).then(async (r) => {
      const a = { status: r.status, text: await r.text() };
      done.push(a);
      return a;
    }));
    // The 19 that do not run are answered while the gate still holds the one that does.
    await waitFor(() => done.length === 19);
    assert.equal(gate.calls, calls + 1);
    assert.ok(done.every((a) => a.status === 409 && JSON.parse(a.text).error.code === 'idempotency_key_in_use'), JSON.stringify(done.filter((a) => a.status !== 409)));
    gate.open();
    const all = await Promise.all(pending);
    const winner = all.filter((a) => a.status === 200);
    assert.equal(winner.length, 1);
    const retries = await Promise.all(Array.from({ length: 19 }, () => post(body, key).then((r) => r.text())));
    assert.ok(retries.every((t) => t === winner[0].text));
    assert.equal(gate.calls, calls + 1);
  });

  test('10 SDK clients retrying one key concurrently (409 in use is retried): one upstream call, one response id', async () => {
    const key = newKey();
    gate.hold();
    const calls = gate.calls;
    const client = new OpenAI({ apiKey: TENANT_A, baseURL: `${sb.url}/v1`, maxRetries: 3 });
    const results = Array.from({ length: 10 }, () => client.responses.create({ model: 'vllm/m', input: 'sdk race' }, { headers: { 'Idempotency-Key': key } }));
    await waitFor(() => gate.calls === calls + 1);
    setTimeout(() => gate.open(), 200);
    const ids = new Set((await Promise.all(results)).map((r) => r.id));
    assert.equal(ids.size, 1);
    assert.equal(gate.calls, calls + 1);
  });
});

describe('the SDK retrying after a connection cut', () => {
  test('the answer is lost on the way: the retry gets the replay, the model ran once (key given per request)', async () => {
    const proxy = await startCuttingProxy(sb.url, 'answer-started');
    try {
      const client = new OpenAI({ apiKey: TENANT_A, baseURL: `${proxy.url}/v1`, maxRetries: 2 });
      const calls = gate.calls;
      const stored = await storedResponses();
      const r = await client.responses.create({ model: 'vllm/m', input: 'lost answer' }, { headers: { 'Idempotency-Key': newKey() } });
      assert.equal(proxy.connections, 2);
      assert.equal(gate.calls, calls + 1);
      assert.equal(await storedResponses(), stored + 1);
      assert.equal((await client.responses.retrieve(r.id)).id, r.id);
    } finally {
      await proxy.close();
    }
  });

  test('cut while the first still runs: 409 in use, retried, then the replay (keys drawn by the SDK itself)', async () => {
    // openai v6 sends no Idempotency-Key unless `idempotencyHeader` is set; then it draws one per call and
    // sends the same one on every retry of that call.
    class KeyedOpenAI extends OpenAI {
      protected override idempotencyHeader = 'idempotency-key';
    }
    const proxy = await startCuttingProxy(sb.url, 'request-sent');
    const answers: string[] = [];
    proxy.onAnswer = (_n, chunk) => {
      answers.push(chunk.toString('latin1').split('\r\n')[0]);
      if (answers.at(-1)!.includes(' 409 ')) gate.open();
    };
    try {
      gate.hold();
      const client = new KeyedOpenAI({ apiKey: TENANT_A, baseURL: `${proxy.url}/v1`, maxRetries: 3 });
      const calls = gate.calls;
      const stored = await storedResponses();
      const r = await client.responses.create({ model: 'vllm/m', input: 'cut early' });
      assert.equal(answers[0], 'HTTP/1.1 409 Conflict');
      assert.equal(answers.at(-1), 'HTTP/1.1 200 OK');
      assert.equal(gate.calls, calls + 1);
      assert.equal(await storedResponses(), stored + 1);
      assert.equal((await client.responses.retrieve(r.id)).id, r.id);
    } finally {
      gate.open();
      await proxy.close();
    }
  });
});

async function waitFor(cond: () => boolean, ms = 5_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

