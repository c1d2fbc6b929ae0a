/**
 * Structured outputs on every provider: the schema reaches each vendor in its native form, the answer is
 * validated, an invalid answer gets one repair attempt, and a second failure is a failed response.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { readSse, type TestServer } from '../helpers/switchboard.js';
import { startEveryProvider, type EveryProvider } from '../helpers/every-provider.js';

const schema = {
  type: 'object',
  properties: { city: { type: 'string' }, temp_c: { type: 'number' } },
  required: ['city', 'temp_c'],
  additionalProperties: false,
};
const format = { type: 'json_schema', name: 'weather', schema, strict: true };

const fakes: Record<string, FakeUpstream> = {};
let sb: TestServer;

/** Where each vendor's request carries the schema. */
const nativeSchema: Record<string, (body: any) => unknown> = {
  chat: (b) => b.response_format?.json_schema?.schema,
  openai: (b) => b.text?.format?.schema,
  anthropic: (b) => b.output_config?.format?.schema,
  gemini: (b) => b.generationConfig?.responseJsonSchema,
};

let every: EveryProvider;
before(async () => {
  every = await startEveryProvider();
  sb = every.sb;
  Object.assign(fakes, every.fakes);
});
after(() => every.close());

const MODELS: Record<string, string> = { chat: 'chat/m', openai: 'openai/gpt-5', anthropic: 'anthropic/claude-sonnet-4-5', gemini: 'gemini/gemini-2.5-flash' };

for (const name of Object.keys(MODELS)) {
  describe(`structured output on ${name}`, () => {
    test('valid answer: native schema sent, completed', async () => {
      fakes[name].enqueue({ kind: 'reply', text: '{"city":"Paris","temp_c":18}' });
      const r = await sb.client().responses.create({ model: MODELS[name], input: 'weather in Paris', text: { format } as any });
      assert.equal(r.status, 'completed');
      assert.deepEqual(JSON.parse(r.output_text), { city: 'Paris', temp_c: 18 });
      assert.deepEqual(nativeSchema[name](fakes[name].received.at(-1)!.body), schema);
    });

    test('invalid answer → one repair attempt with the errors → valid; the stream shows only the valid answer', async () => {
      fakes[name].enqueue(
        { kind: 'reply', text: '{"city":"Paris"}', usage: { input: 10, output: 4 } },
        { kind: 'reply', text: '{"city":"Paris","temp_c":18}', usage: { input: 20, output: 8 } },
      );
      const n = fakes[name].received.length;
      const res = await sb.post('/v1/responses', { model: MODELS[name], input: 'weather in Paris', text: { format }, stream: true });
      const events = (await readSse(res)).slice(0, -1).map((f) => f.data);
      assert.deepEqual(events.map((e) => e.sequence_number), events.map((_, i) => i), 'no gaps after the discarded attempt');
      const text = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
      assert.equal(text, '{"city":"Paris","temp_c":18}');
      const done = events.at(-1);
      assert.equal(done.type, 'response.completed');
      assert.equal(done.response.output.filter((o: any) => o.type === 'message').length, 1);
      assert.equal(done.response.usage.input_tokens, 30, 'usage counts both attempts');
      assert.equal(fakes[name].received.length - n, 2);
      const repairBody = JSON.stringify(fakes[name].received.at(-1)!.body);
      assert.ok(repairBody.includes('temp_c'), 'the repair request names what was wrong');
      assert.ok(repairBody.includes('does not match the required JSON format'));
    });

    test('still invalid after the repair → failed with structured_output_invalid, never completed', async () => {
      fakes[name].enqueue({ kind: 'reply', text: 'not json' }, { kind: 'reply', text: '{"city":1}' });
      const res = await sb.post('/v1/responses', { model: MODELS[name], input: 'weather', text: { format } });
      assert.equal(res.status, 502);
      const body = await res.json();
      assert.equal(body.error.code, 'structured_output_invalid');
      const row = await sb.db.selectFrom('responses').select(['status', 'response']).orderBy('updated_at', 'desc').executeTakeFirstOrThrow();
      assert.equal(row.status, 'failed');
      assert.equal(JSON.parse(row.response).error.code, 'structured_output_invalid');
    });
  });
}

test('json_object: any JSON object passes; an array is repaired', async () => {
  fakes.chat.enqueue({ kind: 'reply', text: '[1,2]' }, { kind: 'reply', text: '{"ok":true}' });
  const r = await sb.client().responses.create({ model: 'chat/m', input: 'json please', text: { format: { type: 'json_object' } } });
  assert.equal(r.output_text, '{"ok":true}');
  assert.deepEqual(fakes.chat.received.at(-1)!.body.response_format, { type: 'json_object' });
});
