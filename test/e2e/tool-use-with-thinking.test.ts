/**
 * Multi-turn tool use with reasoning on every provider kind, through Switchboard with the openai SDK:
 * turn 1 thinks and calls a tool; turn 2 sends the result, via previous_response_id and, separately, via
 * store:false + include reasoning.encrypted_content. Asserts what each fake upstream received on turn 2.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import type { TestServer } from '../helpers/switchboard.js';
import { startEveryProvider, type EveryProvider } from '../helpers/every-provider.js';

const fakes: Record<string, FakeUpstream> = {};
let sb: TestServer;
const tools = [{ type: 'function' as const, name: 'get_weather', strict: false, parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];
const MODELS: Record<string, string> = { chat: 'chat/qwen3', openai: 'openai/o4-mini', anthropic: 'anthropic/claude-sonnet-4-5', gemini: 'gemini/gemini-3-pro-preview' };
const SIG = 'c2lnbmF0dXJlLWJsb2I=';

/** What turn 2's upstream request must contain, per vendor. */
const checkTurn2: Record<string, (body: any, callId: string) => void> = {
  chat(body, callId) {
    const assistant = body.messages.find((m: any) => m.role === 'assistant');
    assert.equal(assistant.reasoning_content, 'I should look it up');
    assert.equal(assistant.tool_calls[0].id, callId);
    assert.deepEqual(body.messages.at(-1), { role: 'tool', tool_call_id: callId, content: '18C' });
  },
  openai(body, callId) {
    const types = body.input.map((i: any) => i.type ?? 'message');
    assert.deepEqual(types.slice(-3), ['reasoning', 'function_call', 'function_call_output']);
    const reasoning = body.input.find((i: any) => i.type === 'reasoning');
    assert.equal(reasoning.encrypted_content, SIG);
    assert.equal(body.input.at(-1).call_id, callId);
    assert.equal(body.store, false);
  },
  anthropic(body, callId) {
    const assistant = body.messages[1];
    assert.deepEqual(assistant.content.map((b: any) => b.type), ['thinking', 'tool_use']);
    assert.equal(assistant.content[0].signature, SIG);
    assert.equal(assistant.content[1].id, callId);
    assert.equal(body.messages[2].content[0].tool_use_id, callId);
  },
  gemini(body) {
    const model = body.contents.find((c: any) => c.role === 'model');
    const call = model.parts.find((p: any) => p.functionCall);
    assert.equal(call.functionCall.name, 'get_weather');
    assert.equal(call.thoughtSignature, SIG, 'thought signature returned on the functionCall part');
    const last = body.contents.at(-1);
    assert.equal(last.parts[0].functionResponse.name, 'get_weather');
  },
};

let every: EveryProvider;
before(async () => {
  every = await startEveryProvider();
  sb = every.sb;
  Object.assign(fakes, every.fakes);
});
after(() => every.close());

for (const name of Object.keys(MODELS)) {
  describe(`tool use with thinking on ${name}`, () => {
    const turn1 = () => fakes[name].enqueue({
      kind: 'reply', reasoning: 'I should look it up', reasoningSignature: SIG,
      toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}', id: `call_${name}_1` }],
    });

    test('turn 2 via previous_response_id', async () => {
      turn1();
      const client = sb.client();
      const r1 = await client.responses.create({ model: MODELS[name], input: 'Weather in Paris?', tools, reasoning: { effort: 'medium', summary: 'auto' } });
      const call = r1.output.find((o) => o.type === 'function_call')!;
      assert.ok(call && call.type === 'function_call');
      assert.deepEqual(JSON.parse(call.arguments), { city: 'Paris' });
      assert.ok(r1.output.some((o) => o.type === 'reasoning'), 'reasoning item kept');
      fakes[name].enqueue({ kind: 'reply', text: 'It is 18C in Paris.' });
      const r2 = await client.responses.create({
        model: MODELS[name], previous_response_id: r1.id, tools, reasoning: { effort: 'medium', summary: 'auto' },
        input: [{ type: 'function_call_output', call_id: call.call_id, output: '18C' }],
      });
      assert.equal(r2.output_text, 'It is 18C in Paris.');
      checkTurn2[name](fakes[name].received.at(-1)!.body, call.call_id);
    });

    test('turn 2 via store:false + encrypted reasoning carried by the client', async () => {
      turn1();
      const client = sb.client();
      const common = { model: MODELS[name], tools, reasoning: { effort: 'medium' as const, summary: 'auto' as const }, store: false, include: ['reasoning.encrypted_content' as const] };
      const r1 = await client.responses.create({ ...common, input: 'Weather in Paris?' });
      const reasoning = r1.output.find((o) => o.type === 'reasoning') as any;
      // Chat Completions has no opaque reasoning state; the reasoning text itself travels back. The client asked
      // for summaries, so the server's raw reasoning is reported as the summary (what Codex displays).
      if (name === 'chat') assert.equal(reasoning.summary[0].text, 'I should look it up');
      else assert.equal(reasoning.encrypted_content ? 'present' : 'absent', 'present', 'encrypted_content returned when included');
      const call = r1.output.find((o) => o.type === 'function_call') as any;
      fakes[name].enqueue({ kind: 'reply', text: 'It is 18C in Paris.' });
      const r2 = await client.responses.create({
        ...common,
        input: [{ role: 'user', content: 'Weather in Paris?' }, ...(r1.output as any[]), { type: 'function_call_output', call_id: call.call_id, output: '18C' }],
      });
      assert.equal(r2.output_text, 'It is 18C in Paris.');
      checkTurn2[name](fakes[name].received.at(-1)!.body, call.call_id);
    });
  });
}
