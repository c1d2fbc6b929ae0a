/**
 * file_search run by Switchboard over its own vector stores (real SQLite FTS5), for Chat Completions and
 * Anthropic models: files uploaded and indexed through the `openai` SDK, the model's search call becomes a
 * file_search_call item with its events (results with include), the passages reach the model in its vendor's
 * tool-result format, and the file named in the answer becomes a file_citation.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { toFile } from 'openai';
import { startSwitchboard, type TestServer } from '../helpers/switchboard.js';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import { startFakeAnthropic } from '../fakes/fake-anthropic.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { assertInOrder, toolNamesIn, toolResultsIn } from '../helpers/tool-results.js';

type Kind = 'chat' | 'anthropic';
const fakes = {} as Record<Kind, FakeUpstream>;
let sb: TestServer;
let storeId: string;
let handbookId: string;

const HANDBOOK = `# Employee handbook\n\n## Leave\n\nEvery employee gets 25 vacation days per year, plus public holidays.\n\n## Equipment\n\nLaptops are replaced every three years.\n`;
const MENU = `Canteen menu\n\nMonday: lentil soup. Tuesday: pasta. Wednesday: curry.\n`;

before(async () => {
  fakes.chat = await startFakeChatCompletions();
  fakes.anthropic = await startFakeAnthropic();
  sb = await startSwitchboard({
    providers: [
      { name: 'chat', kind: 'openai-chat', base_url: fakes.chat.baseUrl },
      { name: 'anthropic', kind: 'anthropic', base_url: fakes.anthropic.baseUrl, api_key: 'k' },
    ],
  });
  const client = sb.client();
  const handbook = await client.files.create({ file: await toFile(Buffer.from(HANDBOOK), 'handbook.md'), purpose: 'assistants' });
  const menu = await client.files.create({ file: await toFile(Buffer.from(MENU), 'menu.txt'), purpose: 'assistants' });
  handbookId = handbook.id;
  const vs = await client.vectorStores.create({ name: 'hr', file_ids: [handbook.id, menu.id] });
  storeId = vs.id;
  for (let i = 0; i < 200; i++) {
    const got = await client.vectorStores.retrieve(storeId);
    if (got.status === 'completed') break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const ready = await client.vectorStores.retrieve(storeId);
  assert.equal(ready.file_counts.completed, 2);
});
after(async () => {
  await sb?.close();
  for (const f of Object.values(fakes)) await f?.close();
});

function script(kind: Kind) {
  const answer = 'You get 25 vacation days a year (handbook.md).';
  fakes[kind].enqueue(
    { kind: 'reply', toolCalls: [{ name: 'file_search', arguments: '{"queries":["vacation days per year"]}' }] },
    { kind: 'reply', text: answer },
  );
  return answer;
}

for (const kind of ['chat', 'anthropic'] as Kind[]) {
  describe(`file_search on ${kind}`, () => {
    test('non-streamed: search item with results, passages fed back, file_citation on the answer', async () => {
      const n = fakes[kind].received.length;
      const answer = script(kind);
      const r = await sb.client().responses.create({
        model: `${kind}/m`, input: 'How many vacation days do I get?',
        tools: [{ type: 'file_search', vector_store_ids: [storeId] }], include: ['file_search_call.results'],
      });
      assert.deepEqual(r.output.map((i) => i.type), ['file_search_call', 'message']);
      const call = r.output[0] as any;
      assert.equal(call.status, 'completed');
      assert.deepEqual(call.queries, ['vacation days per year']);
      assert.ok(call.results.length >= 1);
      assert.equal(call.results[0].file_id, handbookId, 'the relevant file ranks first');
      assert.equal(call.results[0].filename, 'handbook.md');
      assert.match(call.results[0].text, /25 vacation days/);

      const seen = fakes[kind].received.slice(n);
      assert.ok(toolNamesIn(kind, seen[0].body).includes('file_search'));
      assert.match(toolResultsIn(kind, seen[1].body)[0].text, /25 vacation days/);

      const part = (r.output[1] as any).content[0];
      assert.equal(part.text, answer);
      const cite = part.annotations.find((a: any) => a.type === 'file_citation');
      assert.ok(cite, JSON.stringify(part.annotations));
      assert.equal(cite.file_id, handbookId);
      assert.equal(cite.filename, 'handbook.md');
      assert.equal(answer.slice(cite.index - 'handbook.md'.length, cite.index), 'handbook.md');
    });

    test('streamed: the file_search_call events in order; results only when included', async () => {
      script(kind);
      const stream = sb.client().responses.stream({ model: `${kind}/m`, input: 'Vacation?', tools: [{ type: 'file_search', vector_store_ids: [storeId] }] });
      const types: string[] = [];
      for await (const e of stream) types.push(e.type);
      const final = await stream.finalResponse();
      assert.equal((final.output[0] as any).results, null);
      const order = ['response.output_item.added', 'response.file_search_call.in_progress', 'response.file_search_call.searching',
        'response.file_search_call.completed', 'response.output_item.done', 'response.output_text.annotation.added', 'response.completed'];
      assertInOrder(types, order);
    });
  });
}

test('an unknown vector store is a 400 naming it, and nothing is stored', async () => {
  const err = await sb.client().responses.create({
    model: 'chat/m', input: 'x', tools: [{ type: 'file_search', vector_store_ids: [storeId, 'vs_missing'] }],
  }).then(() => null, (e) => e);
  assert.equal(err?.status, 400);
  assert.equal(err.error.param, 'tools[0].vector_store_ids[1]');
});
