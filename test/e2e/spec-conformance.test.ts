/**
 * Every provider kind, held to the Open Responses specification: text, reasoning (summary, and reasoning_text
 * where the kind gives it), function calls and their round trip, structured output, an incomplete and a failed
 * response — each non-streamed and streamed, then retrieved and replayed (`GET ?stream=true`). The oracle checks
 * every Response and event through the harness's fetch hook (test/helpers/spec-checked-fetch.ts); this suite
 * also counts, so that a hook that silently checked nothing would fail it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FakeResponses } from '../fakes/fake-responses.js';
import type { FakeTurn } from '../fakes/fake-turn.js';
import { startEveryProvider, type EveryProvider, type ProviderName } from '../helpers/every-provider.js';
import { stats } from '../helpers/spec-oracle.js';
import { readSse } from '../helpers/switchboard.js';

let every: EveryProvider;
before(async () => { every = await startEveryProvider(); });
after(async () => { await every.close(); });

/** What this suite itself saw: every Response JSON it read and every event (a lifecycle event holds one more). */
const seen = { responses: 0, events: 0 };

async function createJson(body: Record<string, unknown>): Promise<{ status: number; json: any }> {
  const res = await every.sb.post('/v1/responses', body);
  const json = await res.json();
  if (res.ok) seen.responses++;
  return { status: res.status, json };
}

async function getJson(id: string, query = ''): Promise<any> {
  const res = await fetch(`${every.sb.url}/v1/responses/${id}${query}`);
  assert.equal(res.status, 200);
  seen.responses++;
  return res.json();
}

async function events(res: Response): Promise<any[]> {
  assert.equal(res.status, 200);
  const frames = await readSse(res);
  assert.equal(frames.at(-1)!.data, '[DONE]');
  const data = frames.slice(0, -1).map((f) => f.data);
  seen.events += data.length;
  seen.responses += data.filter((e) => e.response).length;
  return data;
}

/** The same request non-streamed and streamed; each retrieved, the stream replayed. Returns both Responses. */
async function bothWays(provider: ProviderName, turn: FakeTurn, body: Record<string, unknown>) {
  const fake = every.fakes[provider];
  const request = { model: `${provider}/m`, include: ['reasoning.encrypted_content'], ...body };

  fake.enqueue(turn);
  const plain = await createJson(request);
  assert.equal(plain.status, 200, JSON.stringify(plain.json));
  assert.deepEqual(await getJson(plain.json.id, '?include[]=reasoning.encrypted_content'), plain.json);

  fake.enqueue(turn);
  const live = await events(await every.sb.post('/v1/responses', { ...request, stream: true }));
  const final = live.at(-1).response;
  const replay = await events(await fetch(`${every.sb.url}/v1/responses/${final.id}?stream=true`));
  assert.deepEqual(replay, live, 'the replay gives back the events that were sent');
  await getJson(final.id);
  return { plain: plain.json, streamed: final, live };
}

const PROVIDERS: ProviderName[] = ['chat', 'openai', 'anthropic', 'gemini'];
/** Kinds that report raw reasoning as `reasoning_text` when no summary is asked for. */
const GIVES_REASONING_TEXT = new Set<ProviderName>(['chat', 'anthropic']);

for (const provider of PROVIDERS) {
  describe(`${provider}: every Response and event conforms to the Open Responses schema`, () => {
    test('text', async () => {
      const { plain, streamed, live } = await bothWays(provider, { kind: 'reply', text: 'Hello from the model.' }, { input: 'hi' });
      for (const r of [plain, streamed]) {
        assert.equal(r.status, 'completed');
        assert.equal(r.output.at(-1).content[0].text, 'Hello from the model.');
      }
      assert.ok(live.some((e) => e.type === 'response.output_text.delta'));
    });

    test('reasoning: summary when asked for, reasoning_text otherwise (where the kind has raw reasoning)', async () => {
      const turn: FakeTurn = { kind: 'reply', reasoning: 'Let me think this through.', reasoningSignature: 'sig-1', text: 'Done.' };
      const summarized = await bothWays(provider, turn, { input: 'think', reasoning: { effort: 'low', summary: 'auto' } });
      for (const r of [summarized.plain, summarized.streamed]) {
        const rs = r.output.find((i: any) => i.type === 'reasoning');
        assert.ok(rs, 'a reasoning item');
        assert.equal(rs.summary[0]?.text, 'Let me think this through.');
      }
      assert.ok(summarized.live.some((e) => e.type === 'response.reasoning_summary_text.delta'));

      const raw = await bothWays(provider, turn, { input: 'think', reasoning: { effort: 'low' } });
      if (GIVES_REASONING_TEXT.has(provider)) {
        for (const r of [raw.plain, raw.streamed]) {
          const rs = r.output.find((i: any) => i.type === 'reasoning');
          assert.deepEqual(rs.content, [{ type: 'reasoning_text', text: 'Let me think this through.' }]);
        }
        assert.ok(raw.live.some((e) => e.type === 'response.reasoning_text.delta'));
      }
    });

    test('function calls: tools echoed with strict as sent (true when omitted), calls, then the round trip', async () => {
      const tools = [
        { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
        { type: 'function', name: 'get_time', description: 'Time now', parameters: { type: 'object', properties: {} }, strict: false },
      ];
      const turn: FakeTurn = { kind: 'reply', toolCalls: [{ name: 'get_weather', arguments: '{"city":"Oslo"}', id: 'call_w' }, { name: 'get_time', arguments: '{}', id: 'call_t' }] };
      const { plain, streamed, live } = await bothWays(provider, turn, { input: 'weather and time?', tools });
      for (const r of [plain, streamed]) {
        assert.deepEqual(r.tools.map((t: any) => [t.name, t.description, t.strict]), [['get_weather', null, true], ['get_time', 'Time now', false]]);
        assert.deepEqual(r.output.filter((i: any) => i.type === 'function_call').map((i: any) => i.name), ['get_weather', 'get_time']);
      }
      assert.ok(live.some((e) => e.type === 'response.function_call_arguments.delta'));

      every.fakes[provider].enqueue({ kind: 'reply', text: 'Sunny, noon.' });
      const calls = plain.output.filter((i: any) => i.type === 'function_call');
      const next = await createJson({
        model: `${provider}/m`, previous_response_id: plain.id, tools,
        input: calls.map((c: any) => ({ type: 'function_call_output', call_id: c.call_id, output: c.name === 'get_weather' ? 'sunny' : 'noon' })),
      });
      assert.equal(next.status, 200, JSON.stringify(next.json));
      assert.equal(next.json.output.at(-1).content[0].text, 'Sunny, noon.');
    });

    test('structured output (json_schema)', async () => {
      const format = { type: 'json_schema', name: 'answer', schema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'], additionalProperties: false }, strict: true };
      const { plain, streamed } = await bothWays(provider, { kind: 'reply', text: '{"n":42}' }, { input: 'a number', text: { format } });
      for (const r of [plain, streamed]) {
        assert.deepEqual(JSON.parse(r.output.at(-1).content[0].text), { n: 42 });
        assert.equal(r.text.format.strict, true);
        assert.equal(r.text.format.description, null);
      }
    });

    test('incomplete (max tokens reached)', async () => {
      const { plain, streamed, live } = await bothWays(provider, { kind: 'reply', text: 'cut sh', finish: 'length' }, { input: 'long' });
      for (const r of [plain, streamed]) {
        assert.equal(r.status, 'incomplete');
        assert.equal(r.incomplete_details.reason, 'max_output_tokens');
      }
      assert.equal(live.at(-1).type, 'response.incomplete');
    });

    test('failed: streamed (upstream drops mid-stream) and not (structured output that never validates)', async () => {
      const fake = every.fakes[provider];
      // The Responses upstream fails its own way (a dropped stream that sent no text yet is retried there).
      if (provider === 'openai') (fake as FakeResponses).enqueue({ kind: 'failed', text: 'partial', code: 'server_error', message: 'boom' });
      else fake.enqueue({ kind: 'drop-mid-stream', text: 'partial' });
      const live = await events(await every.sb.post('/v1/responses', { model: `${provider}/m`, input: 'x', stream: true }));
      const failed = live.at(-1);
      assert.equal(failed.type, 'response.failed');
      assert.equal(failed.response.status, 'failed');
      assert.deepEqual(await events(await fetch(`${every.sb.url}/v1/responses/${failed.response.id}?stream=true`)), live);
      assert.equal((await getJson(failed.response.id)).status, 'failed');

      const format = { type: 'json_schema', name: 'answer', schema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] }, strict: true };
      fake.enqueue({ kind: 'reply', text: 'not json' }, { kind: 'reply', text: 'still not json' });
      const plain = await createJson({ model: `${provider}/m`, input: 'a number', text: { format } });
      assert.equal(plain.status, 502);
      assert.equal(plain.json.error.code, 'structured_output_invalid');
      // The 502 carries no Response; the failed one is in the store, found beside the streamed failure.
      const rows = await every.sb.db.selectFrom('responses').select('id')
        .where('status', '=', 'failed').where('model', '=', `${provider}/m`).where('id', '!=', failed.response.id).execute();
      assert.equal(rows.length, 1);
      const stored = await getJson(rows[0].id);
      assert.equal(stored.status, 'failed');
      assert.equal(stored.error.code, 'structured_output_invalid');
    });
  });
}

test('the oracle checked exactly what this suite read (the wiring cannot silently check nothing)', () => {
  assert.ok(seen.events > 200 && seen.responses > 100, JSON.stringify(seen));
  assert.deepEqual({ responses: stats.responses, events: stats.events }, seen);
});
