/**
 * `conversation` on `POST /v1/responses`, through the openai SDK: the model sees the conversation's items, then
 * the new input; a completed (or incomplete) turn's input and output are appended to the conversation when it
 * is stored; a failed one appends nothing. On every provider kind, a tool call with signed reasoning made in
 * turn 1 goes back upstream in turn 2 exactly as with previous_response_id.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { startEveryProvider, type EveryProvider } from '../helpers/every-provider.js';
import { readSse, type TestServer } from '../helpers/switchboard.js';

let every: EveryProvider;
let sb: TestServer;
let fakes: EveryProvider['fakes'];
before(async () => {
  every = await startEveryProvider();
  sb = every.sb;
  fakes = every.fakes;
});
after(() => every.close());

const tools = [{ type: 'function' as const, name: 'get_weather', strict: false, parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];
const MODELS = { chat: 'chat/qwen3', openai: 'openai/o4-mini', anthropic: 'anthropic/claude-sonnet-4-5', gemini: 'gemini/gemini-3-pro-preview' } as const;
const SIG = 'c2lnbmF0dXJlLWJsb2I=';

async function apiError(p: Promise<unknown>): Promise<{ status: number; error: any }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return { status: err.status!, error: err.error };
    throw err;
  }
  assert.fail('expected an API error');
}

/** A streamed create's final Response. */
async function finalOf(p: Promise<AsyncIterable<any>>): Promise<any> {
  let last: any = null;
  for await (const e of await p) if (e.type === 'response.completed' || e.type === 'response.failed') last = e.response;
  return last;
}

async function allItems(client: OpenAI, id: string): Promise<any[]> {
  const out: any[] = [];
  for await (const item of client.conversations.items.list(id, { order: 'asc', limit: 100 })) out.push(item);
  return out;
}

/** Every user-visible text an upstream request carries, whatever the vendor's format. */
function upstreamTexts(body: any): string {
  return JSON.stringify(body);
}

/** What turn 2's upstream request must contain, per vendor (as in tool-use-with-thinking.test.ts). */
const checkTurn2: Record<keyof typeof MODELS, (body: any, callId: string) => void> = {
  chat(body, callId) {
    const assistant = body.messages.find((m: any) => m.role === 'assistant' && m.tool_calls);
    assert.equal(assistant.reasoning_content, 'I should look it up');
    assert.equal(assistant.tool_calls[0].id, callId);
    assert.deepEqual(body.messages.at(-1), { role: 'tool', tool_call_id: callId, content: '18C' });
  },
  openai(body, callId) {
    const types = body.input.map((i: any) => i.type ?? 'message');
    assert.deepEqual(types.slice(-3), ['reasoning', 'function_call', 'function_call_output']);
    assert.equal(body.input.find((i: any) => i.type === 'reasoning').encrypted_content, SIG);
    assert.equal(body.input.at(-1).call_id, callId);
  },
  anthropic(body, callId) {
    const assistant = body.messages.find((m: any) => m.role === 'assistant' && Array.isArray(m.content) && m.content.some((b: any) => b.type === 'tool_use'));
    assert.deepEqual(assistant.content.map((b: any) => b.type), ['thinking', 'tool_use']);
    assert.equal(assistant.content[0].signature, SIG);
    assert.equal(assistant.content[1].id, callId);
    assert.equal(body.messages.at(-1).content[0].tool_use_id, callId);
  },
  gemini(body) {
    const model = body.contents.find((c: any) => c.role === 'model' && c.parts.some((p: any) => p.functionCall));
    const call = model.parts.find((p: any) => p.functionCall);
    assert.equal(call.thoughtSignature, SIG, 'thought signature returned on the functionCall part');
    assert.equal(body.contents.at(-1).parts[0].functionResponse.name, 'get_weather');
  },
};

for (const name of Object.keys(MODELS) as (keyof typeof MODELS)[]) {
  test(`${name}: a tool call with reasoning, continued through the conversation`, async () => {
    const client = sb.client();
    const model = MODELS[name];
    const conv = await client.conversations.create({ items: [{ role: 'user', content: 'My name is Ada.' }, { role: 'assistant', content: 'Hello Ada.' }] });

    fakes[name].enqueue({
      kind: 'reply', reasoning: 'I should look it up', reasoningSignature: SIG,
      toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}', id: `call_${name}_c1` }],
    });
    const r1 = await client.responses.create({ model, conversation: conv.id, input: 'Weather in Paris?', tools, reasoning: { effort: 'medium', summary: 'auto' } });
    assert.deepEqual(r1.conversation, { id: conv.id });
    const sent1 = upstreamTexts(fakes[name].received.at(-1)!.body);
    assert.ok(sent1.indexOf('My name is Ada.') >= 0 && sent1.indexOf('Hello Ada.') > sent1.indexOf('My name is Ada.'), 'turn 1 sees the conversation first');
    assert.ok(sent1.indexOf('Weather in Paris?') > sent1.indexOf('Hello Ada.'), 'then the new input');
    const call = r1.output.find((o) => o.type === 'function_call')!;
    assert.ok(call && call.type === 'function_call');

    const afterTurn1 = await allItems(client, conv.id);
    assert.deepEqual(afterTurn1.map((i) => i.type), ['message', 'message', 'message', ...r1.output.map((o) => o.type)]);
    assert.deepEqual(afterTurn1.slice(3).map((i) => i.id), r1.output.map((o) => o.id), 'the output items, with their ids');
    const reasoning = afterTurn1.find((i) => i.type === 'reasoning');
    assert.equal('encrypted_content' in reasoning, false, 'hidden unless included');
    const withEnc = await client.conversations.items.retrieve(reasoning.id, { conversation_id: conv.id, include: ['reasoning.encrypted_content'] });
    // Chat Completions has no opaque reasoning state: its reasoning text itself travels back.
    if (name !== 'chat') assert.equal(typeof (withEnc as any).encrypted_content, 'string');

    fakes[name].enqueue({ kind: 'reply', text: 'It is 18C in Paris.' });
    const r2 = await client.responses.create({
      model, conversation: { id: conv.id }, tools, reasoning: { effort: 'medium', summary: 'auto' },
      input: [{ type: 'function_call_output', call_id: call.call_id, output: '18C' }],
    });
    assert.equal(r2.output_text, 'It is 18C in Paris.');
    assert.deepEqual(r2.conversation, { id: conv.id });
    const body2 = fakes[name].received.at(-1)!.body;
    checkTurn2[name](body2, call.call_id);
    assert.ok(upstreamTexts(body2).includes('My name is Ada.'), 'turn 2 still sees the conversation\'s first items');

    const final = await allItems(client, conv.id);
    assert.equal(final.length, afterTurn1.length + 2);
    assert.deepEqual(final.slice(-2).map((i) => i.type), ['function_call_output', 'message']);
    // The response itself is stored as always: retrieve and input_items work.
    assert.deepEqual((await client.responses.retrieve(r2.id)).conversation, { id: conv.id });
    assert.deepEqual((await client.responses.inputItems.list(r2.id)).data.map((i) => i.type), ['function_call_output']);
  });
}

describe('rules', () => {
  test('conversation with previous_response_id: 400, nothing stored, nothing sent upstream', async () => {
    const client = sb.client();
    const conv = await client.conversations.create({ items: [{ role: 'user', content: 'x' }] });
    const r = await client.responses.create({ model: 'chat/m', input: 'first' });
    const before = fakes.chat.received.length;
    const e = await apiError(client.responses.create({ model: 'chat/m', input: 'y', conversation: conv.id, previous_response_id: r.id }));
    assert.equal(e.status, 400);
    assert.equal(e.error.param, 'previous_response_id');
    assert.equal(e.error.code, 'invalid_parameter_combination');
    assert.equal(fakes.chat.received.length, before);
    assert.equal((await allItems(client, conv.id)).length, 1);
  });

  test('previous_response_id naming a conversation\'s turn: 400, continue it with the conversation', async () => {
    const client = sb.client();
    const conv = await client.conversations.create({ items: [{ role: 'user', content: 'earlier context' }] });
    const turn = await client.responses.create({ model: 'chat/m', conversation: conv.id, input: 'a turn' });
    const before = fakes.chat.received.length;
    const e = await apiError(client.responses.create({ model: 'chat/m', input: 'next', previous_response_id: turn.id }));
    assert.equal(e.status, 400);
    assert.equal(e.error.param, 'previous_response_id');
    assert.equal(e.error.code, 'previous_response_in_conversation');
    assert.equal(fakes.chat.received.length, before);
    await assert.rejects(client.responses.inputTokens.count({ model: 'chat/m', input: 'next', previous_response_id: turn.id }),
      (err: any) => err.status === 400 && err.code === 'previous_response_in_conversation');
  });

  test('an unknown conversation: 404 not_found at param conversation', async () => {
    const e = await apiError(sb.client().responses.create({ model: 'chat/m', input: 'y', conversation: 'conv_unknown' }));
    assert.equal(e.status, 404);
    assert.equal(e.error.code, 'not_found');
    assert.equal(e.error.param, 'conversation');
  });

  test('store: false with a conversation: 400 at param store', async () => {
    const client = sb.client();
    const conv = await client.conversations.create({});
    const e = await apiError(client.responses.create({ model: 'chat/m', input: 'y', conversation: conv.id, store: false }));
    assert.equal(e.status, 400);
    assert.equal(e.error.param, 'store');
  });

  test('a conversation alone is enough input', async () => {
    const client = sb.client();
    const conv = await client.conversations.create({ items: [{ role: 'user', content: 'only this' }] });
    const r = await client.responses.create({ model: 'chat/m', conversation: conv.id });
    assert.equal(r.output_text, 'echo: only this');
    assert.deepEqual((await allItems(client, conv.id)).map((i) => i.content[0].text), ['only this', 'echo: only this']);
  });

  test('a failed turn appends nothing and frees the conversation; an incomplete one appends', async () => {
    const client = sb.client();
    const conv = await client.conversations.create({});
    fakes.chat.enqueue({ kind: 'error', status: 400, message: 'bad request upstream' });
    assert.equal((await apiError(client.responses.create({ model: 'chat/m', conversation: conv.id, input: 'fails' }))).status, 400);
    assert.deepEqual(await allItems(client, conv.id), []);

    // Failed mid-stream (stored as failed): nothing appended either.
    fakes.chat.enqueue({ kind: 'drop-mid-stream', text: 'partial answ' });
    const res = await sb.post('/v1/responses', { model: 'chat/m', conversation: conv.id, input: 'drops', stream: true });
    const frames = await readSse(res);
    assert.equal(frames.at(-2)!.event, 'response.failed');
    assert.equal(frames.at(-2)!.data.response.conversation.id, conv.id);
    assert.deepEqual(await allItems(client, conv.id), []);

    fakes.chat.enqueue({ kind: 'reply', text: 'cut sho', finish: 'length' });
    const inc = await client.responses.create({ model: 'chat/m', conversation: conv.id, input: 'long one' });
    assert.equal(inc.status, 'incomplete');
    const items = await allItems(client, conv.id);
    assert.deepEqual(items.map((i) => i.content[0].text), ['long one', 'cut sho']);
    // The failed turns' inputs never reached the conversation, so the next turn's model does not see them.
    const next = await client.responses.create({ model: 'chat/m', conversation: conv.id, input: 'again' });
    const sent = fakes.chat.received.at(-1)!.body.messages.map((m: any) => m.content);
    assert.deepEqual(sent, ['long one', 'cut sho', 'again']);
    assert.equal(next.output_text, 'echo: again');
  });

  test('streamed: the items are in the conversation before the terminal event', async () => {
    const client = sb.client();
    const conv = await client.conversations.create({});
    const stream = await client.responses.create({ model: 'chat/m', conversation: conv.id, input: 'streamed', stream: true });
    for await (const e of stream) {
      if (e.type === 'response.completed') {
        assert.deepEqual(e.response.conversation, { id: conv.id });
        assert.deepEqual((await allItems(client, conv.id)).map((i) => i.content[0].text), ['streamed', 'echo: streamed']);
      }
    }
  });

  test('a conversation deleted while its turn runs: the response is stored, nothing is appended', async () => {
    const client = sb.client();
    const conv = await client.conversations.create({});
    fakes.chat.enqueue({ kind: 'reply', text: 'slow reply here', chunkSize: 2, delayMs: 20 });
    const pending = finalOf(client.responses.create({ model: 'chat/m', conversation: conv.id, input: 'slow', stream: true }));
    while (fakes.chat.received.at(-1)?.body.messages.at(-1)?.content !== 'slow') await new Promise((r) => setTimeout(r, 5));
    await client.conversations.delete(conv.id);
    const r = await pending;
    assert.equal(r.status, 'completed');
    assert.equal(fakes.chat.received.at(-1)!.body.stream, true, 'streamed upstream: the delete happened mid-run');
    assert.equal((await client.responses.retrieve(r.id)).output_text, 'slow reply here');
    assert.equal((await apiError(client.conversations.items.list(conv.id))).status, 404);
  });
});

describe('concurrent turns on one conversation', () => {
  test('16 clients at once: turns run one after another, each sees every earlier turn, none lost or interleaved', async () => {
    const client = sb.client();
    const conv = await client.conversations.create({ items: [{ role: 'user', content: 'seed' }] });
    const first = fakes.chat.received.length;
    const N = 16;
    await Promise.all(Array.from({ length: N }, async (_, k) => {
      if (k % 2) {
        const res = await sb.post('/v1/responses', { model: 'chat/m', conversation: conv.id, input: `turn ${k}`, stream: true });
        const frames = await readSse(res);
        assert.equal(frames.at(-2)!.event, 'response.completed');
      } else {
        const r = await sb.client().responses.create({ model: 'chat/m', conversation: conv.id, input: `turn ${k}` });
        assert.equal(r.output_text, `echo: turn ${k}`);
      }
    }));
    const items = await allItems(client, conv.id);
    assert.equal(items.length, 1 + 2 * N);
    const texts = items.map((i) => i.content[0].text);
    assert.equal(texts[0], 'seed');
    const seen = new Set<string>();
    for (let j = 1; j < texts.length; j += 2) {
      const m = /^turn (\d+)$/.exec(texts[j]);
      assert.ok(m, `a turn's input at ${j}: ${texts[j]}`);
      assert.equal(texts[j + 1], `echo: ${texts[j]}`, 'its own output right after it');
      seen.add(texts[j]);
    }
    assert.equal(seen.size, N, 'every turn exactly once');
    // Serialised, not merely atomic: the k-th turn upstream saw the seed and the k-1 turns before it, in the
    // order they are stored.
    const sent = fakes.chat.received.slice(first).map((r) => r.body.messages.map((m: any) => m.content));
    assert.equal(sent.length, N);
    sent.forEach((messages, k) => assert.deepEqual(messages, texts.slice(0, 2 * k + 2), `turn ${k} upstream`));
  });

  test('a client that leaves while waiting for its turn is dropped from the queue; the next one proceeds', async () => {
    const client = sb.client();
    const conv = await client.conversations.create({});
    fakes.chat.enqueue({ kind: 'reply', text: 'slow reply here', chunkSize: 2, delayMs: 20 });
    const slow = finalOf(client.responses.create({ model: 'chat/m', conversation: conv.id, input: 'slow', stream: true }));
    while (fakes.chat.received.at(-1)?.body.messages.at(-1)?.content !== 'slow') await new Promise((r) => setTimeout(r, 5));
    const before = fakes.chat.received.length;
    const ac = new AbortController();
    const leaving = client.responses.create({ model: 'chat/m', conversation: conv.id, input: 'leaves' }, { signal: ac.signal });
    const third = client.responses.create({ model: 'chat/m', conversation: conv.id, input: 'third' });
    await new Promise((r) => setTimeout(r, 30));
    ac.abort();
    await assert.rejects(leaving);
    await slow;
    const r3 = await third;
    assert.equal(r3.output_text, 'echo: third');
    assert.equal(fakes.chat.received.length, before + 1, 'the client that left never reached the upstream');
    assert.deepEqual((await allItems(client, conv.id)).map((i) => i.content[0].text), ['slow', 'slow reply here', 'third', 'echo: third']);
  });
});
