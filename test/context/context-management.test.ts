/**
 * Context management on every provider kind, end to end through real HTTP and each vendor's fake:
 * truncation "auto" / "disabled" against a small configured window, the cheap bound (no count call for an
 * ordinary request), /v1/responses/compact with the openai SDK, sealed items (tampering, the summary back in
 * context by store:false input and by previous_response_id), OpenAI's own items on the openai kind, and
 * context_management's automatic compaction.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import { startFakeGemini } from '../fakes/fake-gemini.js';
import { startFakeResponses } from '../fakes/fake-responses.js';
import type { FakeUpstream, ReceivedRequest } from '../fakes/fake-turn.js';
import { startSwitchboard, type TestServer } from '../helpers/switchboard.js';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { SPEC_PATH } from '../helpers/spec-oracle.js';

/** The Open Responses spec's CompactResource (the oracle checks Responses and events, not this object). */
function compactResourceValidator() {
  const ajv = new Ajv2020({ strict: false, allErrors: true, discriminator: true, validateSchema: false });
  (addFormats as unknown as (a: unknown) => void)(ajv);
  ajv.addSchema({ ...JSON.parse(readFileSync(SPEC_PATH, 'utf8')), $id: 'openresponses' });
  return ajv.compile({ $ref: 'openresponses#/components/schemas/CompactResource' });
}

type Kind = 'chat' | 'anthropic' | 'gemini';
const KINDS: Kind[] = ['chat', 'anthropic', 'gemini'];

let sb: TestServer;
let fakes: Record<Kind | 'openai', FakeUpstream>;

const isCount = (r: ReceivedRequest) => r.path.includes('count_tokens') || r.path.includes(':countTokens');
const generations = (f: FakeUpstream) => f.received.filter((r) => r.method === 'POST' && !isCount(r));
const counts = (f: FakeUpstream) => f.received.filter(isCount);
const lastBody = (f: FakeUpstream) => JSON.stringify(generations(f).at(-1)!.body);
const reset = () => { for (const f of Object.values(fakes)) f.received.length = 0; };

/** ~200 tokens of text by any of the counters involved (o200k, or the fakes' JSON length / 4). */
function filler(tag: string): string {
  return Array.from({ length: 80 }, (_, i) => `${tag}${i}`).join(' ');
}

/** A long history: old turns (one with a tool call and its output) and a short last user turn. */
function longHistory(): unknown[] {
  return [
    { role: 'user', content: `OLDQ1 ${filler('a')}` },
    { role: 'assistant', content: `OLDA1 ${filler('b')}` },
    { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{"q":"ARGMARK"}' },
    { type: 'function_call_output', call_id: 'call_1', output: `OUTMARK ${filler('c')}` },
    { role: 'assistant', content: `OLDA2 ${filler('d')}` },
    { role: 'user', content: `OLDQ3 ${filler('e')}` },
    { role: 'assistant', content: `OLDA3 ${filler('f')}` },
    { role: 'user', content: 'LATEST question' },
  ];
}

const TOOLS = [{ type: 'function', name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } }];

before(async () => {
  fakes = {
    chat: await startFakeChatCompletions(),
    anthropic: await startFakeAnthropic(),
    gemini: await startFakeGemini(),
    openai: await startFakeResponses(),
  };
  // `small` has a window of 600 tokens everywhere; other model ids get the built-in table or the default.
  const windows = { context_windows: { small: 600 } };
  sb = await startSwitchboard({
    providers: [
      { name: 'chat', kind: 'openai-chat', base_url: fakes.chat.baseUrl, ...windows },
      { name: 'anthropic', kind: 'anthropic', base_url: fakes.anthropic.baseUrl, api_key: 'k', ...windows },
      { name: 'gemini', kind: 'gemini', base_url: fakes.gemini.baseUrl, api_key: 'k', ...windows },
      { name: 'openai', kind: 'openai', base_url: fakes.openai.baseUrl, api_key: 'k' },
    ],
  });
});

after(async () => {
  await sb.close();
  for (const f of Object.values(fakes)) await f.close();
});

describe('truncation', () => {
  for (const kind of KINDS) {
    test(`${kind}: auto drops the oldest items to fit the window, never splitting a call from its output`, async () => {
      reset();
      const res = await sb.post('/v1/responses', {
        model: `${kind}/small`, input: longHistory(), tools: TOOLS, truncation: 'auto', max_output_tokens: 100,
      });
      assert.equal(res.status, 200, await res.clone().text());
      const dropped = Number(res.headers.get('x-switchboard-truncated-items'));
      assert.ok(dropped > 0, 'the header says items were dropped');
      const body = await res.json();
      assert.equal(body.truncation, 'auto');
      const sent = lastBody(fakes[kind]);
      assert.ok(sent.includes('LATEST question'), 'the last user turn is kept');
      assert.ok(!sent.includes('OLDQ1'), 'the oldest item is gone');
      assert.equal(sent.includes('ARGMARK'), sent.includes('OUTMARK'), 'a call and its output go together');
      assert.ok(counts(fakes[kind]).length > 0 || kind === 'chat', 'near the limit the vendor counts');
      // The stored input is the client's, whole: truncation changes only the model's view.
      const items = await sb.client().responses.inputItems.list(body.id, { order: 'asc', limit: 100 });
      assert.equal(items.data.length, longHistory().length);
    });

    test(`${kind}: disabled → 400 context_length_exceeded with the sizes, and no upstream call`, async () => {
      reset();
      const res = await sb.post('/v1/responses', { model: `${kind}/small`, input: longHistory(), tools: TOOLS, max_output_tokens: 100 });
      assert.equal(res.status, 400);
      const { error } = await res.json();
      assert.equal(error.code, 'context_length_exceeded');
      assert.equal(error.param, 'input');
      assert.match(error.message, /maximum context length is 600 tokens, 100 of them kept for the output/);
      assert.match(error.message, /the input is \d+ tokens/);
      assert.equal(generations(fakes[kind]).length, 0, 'nothing was sent to the model');
    });
  }

  test('an ordinary request pays no count: the cheap bound settles it', async () => {
    reset();
    const res = await sb.post('/v1/responses', { model: 'anthropic/claude-sonnet-4-5', input: 'hello', truncation: 'auto' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-switchboard-truncated-items'), null);
    assert.equal(counts(fakes.anthropic).length, 0, 'no count_tokens call');
    // The same small input against the tiny window is near its limit: then (and only then) it is counted.
    reset();
    const near = await sb.post('/v1/responses', { model: 'anthropic/small', input: filler('z').slice(0, 3_000), max_output_tokens: 100 });
    assert.equal(near.status, 200);
    assert.equal(counts(fakes.anthropic).length, 1, 'one count_tokens call');
  });

  test('truncation "auto" on the openai kind is passed to OpenAI, which truncates itself', async () => {
    reset();
    const res = await sb.post('/v1/responses', { model: 'openai/gpt-4o', input: 'hi', truncation: 'auto' });
    assert.equal(res.status, 200);
    assert.equal(generations(fakes.openai).at(-1)!.body.truncation, 'auto');
  });
});

describe('compaction', () => {
  async function compactOn(kind: Kind | 'openai', summary: string) {
    fakes[kind].enqueue({ kind: 'reply', text: summary });
    return sb.client().responses.compact({ model: `${kind}/small`, input: longHistory() as any });
  }

  test('compact with the openai SDK: the user messages, then one sealed compaction item', async () => {
    reset();
    const c = await compactOn('chat', 'SUMMARY-CHAT');
    assert.equal(c.object, 'response.compaction');
    const valid = compactResourceValidator();
    assert.ok(valid(c), JSON.stringify(valid.errors));
    const last = c.output.at(-1) as any;
    assert.equal(last.type, 'compaction');
    assert.match(last.encrypted_content, /^sbc1\./);
    assert.ok(!last.encrypted_content.includes('SUMMARY'), 'the summary is not readable');
    const users = c.output.slice(0, -1).map((i: any) => i.content[0].text.slice(0, 6));
    assert.deepEqual(users, ['OLDQ1 ', 'OLDQ3 ', 'LATEST']);
    assert.equal(generations(fakes.chat).length, 1, 'the summary is one model call');
    assert.ok(lastBody(fakes.chat).includes('OLDA1'), 'the summarised part was sent to the model');
    assert.ok(c.usage.total_tokens >= 0);
  });

  test('model is required → 400', async () => {
    const res = await sb.post('/v1/responses/compact', { input: 'x' });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error.param, 'model');
  });

  for (const kind of KINDS) {
    test(`${kind}: the summary reaches the model in a later store:false request, the summarised items do not`, async () => {
      reset();
      const c = await compactOn('chat', `SUMMARY-FOR-${kind}`);
      const res = await sb.post('/v1/responses', {
        model: `${kind}/m`, store: false, input: [...c.output, { role: 'user', content: 'and now?' }],
      });
      assert.equal(res.status, 200, await res.clone().text());
      const sent = lastBody(fakes[kind]);
      assert.ok(sent.includes(`Summary of the earlier conversation: SUMMARY-FOR-${kind}`));
      assert.ok(!sent.includes('sbc1.'), 'the sealed text itself is not sent');
      assert.ok(!sent.includes('OLDA1'));
    });
  }

  test('by previous_response_id the summary comes back from the stored chain', async () => {
    reset();
    const c = await compactOn('anthropic', 'SUMMARY-CHAINED');
    const client = sb.client();
    const r1 = await client.responses.create({ model: 'gemini/m', input: [...c.output, { role: 'user', content: 'next' }] as any });
    const r2 = await client.responses.create({ model: 'chat/m', previous_response_id: r1.id, input: 'and then?' });
    assert.equal(r2.status, 'completed');
    assert.ok(lastBody(fakes.chat).includes('Summary of the earlier conversation: SUMMARY-CHAINED'));
  });

  test('a tampered compaction item → 400, nothing sent upstream', async () => {
    const c = await compactOn('chat', 'SUMMARY-T');
    reset();
    const item = c.output.at(-1) as any;
    const s: string = item.encrypted_content;
    const k = s.length - 5;
    const tampered = { ...item, encrypted_content: s.slice(0, k) + (s[k] === 'A' ? 'B' : 'A') + s.slice(k + 1) };
    const res = await sb.post('/v1/responses', { model: 'chat/m', input: [tampered, { role: 'user', content: 'x' }] });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error.code, 'invalid_encrypted_content');
    // Another tenant's (or server's) item: the same.
    const forged = await sb.post('/v1/responses', { model: 'chat/m', input: [{ type: 'compaction', encrypted_content: 'sbc1.AAAA' }, { role: 'user', content: 'x' }] });
    assert.equal(forged.status, 400);
    assert.equal(generations(fakes.chat).length, 0);
  });

  test("OpenAI's own compaction item passes to the openai kind unchanged; other kinds refuse it", async () => {
    reset();
    const theirs = { type: 'compaction', id: 'cmp_openai', encrypted_content: 'gAAAAABopenai-issued' };
    const ok = await sb.post('/v1/responses', { model: 'openai/gpt-5', input: [theirs, { role: 'user', content: 'x' }] });
    assert.equal(ok.status, 200, await ok.clone().text());
    const sent = generations(fakes.openai).at(-1)!.body.input;
    assert.equal(sent[0].type, 'compaction');
    assert.equal(sent[0].encrypted_content, 'gAAAAABopenai-issued');
    const refused = await sb.post('/v1/responses', { model: 'chat/m', input: [theirs, { role: 'user', content: 'x' }] });
    assert.equal(refused.status, 400);
  });

  test('context_management compacts automatically past compact_threshold; the item leads the output', async () => {
    reset();
    fakes.chat.enqueue({ kind: 'reply', text: 'SUMMARY-AUTO' }, { kind: 'reply', text: 'the answer' });
    const client = sb.client();
    const r = await client.responses.create({
      model: 'chat/m', input: longHistory() as any, context_management: [{ type: 'compaction', compact_threshold: 300 }],
    } as any);
    assert.equal(r.output[0].type, 'compaction');
    assert.equal((r.output[1] as any).content[0].text, 'the answer');
    const calls = generations(fakes.chat);
    assert.equal(calls.length, 2, 'the summary call, then the turn');
    const turn = JSON.stringify(calls[1].body);
    assert.ok(turn.includes('SUMMARY-AUTO') && turn.includes('LATEST question'));
    assert.ok(!turn.includes('OLDA1') && !turn.includes('OUTMARK'), 'the compacted items are not sent');
    // The chain goes on from the compacted state.
    const next = await client.responses.create({ model: 'chat/m', previous_response_id: r.id, input: 'more' });
    assert.equal(next.status, 'completed');
    const chained = lastBody(fakes.chat);
    assert.ok(chained.includes('SUMMARY-AUTO') && !chained.includes('OLDA1'));

    // Under the threshold (the cheap bound settles it): no compaction and no summary call.
    reset();
    const small = await client.responses.create({ model: 'chat/m', input: 'hi', context_management: [{ type: 'compaction', compact_threshold: 300 }] } as any);
    assert.equal(small.output[0].type, 'message');
    assert.equal(generations(fakes.chat).length, 1);
  });

  test('context_management with stream: the compaction item is the first output item of the stream', async () => {
    reset();
    fakes.anthropic.enqueue({ kind: 'reply', text: 'SUMMARY-STREAM' }, { kind: 'reply', text: 'streamed answer' });
    const stream = await sb.client().responses.create({
      model: 'anthropic/m', input: longHistory() as any, tools: TOOLS as any, stream: true,
      context_management: [{ type: 'compaction', compact_threshold: 300 }],
    } as any);
    const added: string[] = [];
    let final: any = null;
    for await (const e of stream as any) {
      if (e.type === 'response.output_item.added') added.push(e.item.type);
      if (e.type === 'response.completed') final = e.response;
    }
    assert.deepEqual(added, ['compaction', 'message']);
    assert.equal(final.output[0].type, 'compaction');
    assert.match(final.output[0].encrypted_content, /^sbc1\./);
  });

  test('input_tokens counts a sealed compaction item as its summary', async () => {
    const c = await compactOn('chat', 'SUMMARY-COUNTED '.repeat(50));
    const withItem = await sb.client().responses.inputTokens.count({ model: 'chat/m', input: [...c.output, { role: 'user', content: 'x' }] as any });
    const without = await sb.client().responses.inputTokens.count({ model: 'chat/m', input: [...c.output.slice(0, -1), { role: 'user', content: 'x' }] as any });
    assert.ok(withItem.input_tokens > without.input_tokens + 50, `${withItem.input_tokens} vs ${without.input_tokens}`);
  });
});
