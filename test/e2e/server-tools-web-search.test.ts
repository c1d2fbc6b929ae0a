/**
 * web_search run by Switchboard for function-calling vendors (Chat Completions and Anthropic), against a fake
 * SearXNG on loopback: the model's call becomes a web_search_call item with its events, the page is read, the
 * model's next turn gets the results in its vendor's own tool-result format, and the answer's link to a source
 * becomes a url_citation with exact indices. Driven by the `openai` SDK (its strict stream helper too).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSwitchboard, type TestServer } from '../helpers/switchboard.js';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import { startFakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeResponses } from '../fakes/fake-responses.js';
import { startFakeGemini } from '../fakes/fake-gemini.js';
import { startFakeSearxng } from '../fakes/fake-searxng.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { assertInOrder, toolNamesIn, toolResultsIn } from '../helpers/tool-results.js';

type Kind = 'chat' | 'anthropic' | 'gemini';
const fakes = {} as Record<Kind | 'openai', FakeUpstream>;
let searx: Awaited<ReturnType<typeof startFakeSearxng>>;
let sb: TestServer;
let bare: TestServer;
let pageUrl: string;

const ARTICLE = `<!doctype html><html><head><title>Switchboard 1.0 released</title></head><body>
<nav>Home | Blog | About</nav><article><h1>Switchboard 1.0 released</h1>
<p>Switchboard 1.0 was released on 3 December 2026 with server-side tools for every provider.</p>
<p>It runs web search, file search, MCP and a code interpreter itself, in front of any model.</p></article>
<script>var tracking = "do not read me";</script></body></html>`;

before(async () => {
  fakes.chat = await startFakeChatCompletions();
  fakes.anthropic = await startFakeAnthropic();
  fakes.openai = await startFakeResponses();
  fakes.gemini = await startFakeGemini();
  searx = await startFakeSearxng({
    results: { 'switchboard release date': [{ url: '/blog/release', title: 'Switchboard 1.0 released', content: 'Switchboard 1.0 was released…' }] },
    pages: { '/blog/release': { contentType: 'text/html; charset=utf-8', body: ARTICLE } },
  });
  pageUrl = `${searx.url}/blog/release`;
  const providers = [
    { name: 'chat', kind: 'openai-chat', base_url: fakes.chat.baseUrl },
    { name: 'anthropic', kind: 'anthropic', base_url: fakes.anthropic.baseUrl, api_key: 'k' },
    { name: 'gemini', kind: 'gemini', base_url: fakes.gemini.baseUrl, api_key: 'k' },
    // OpenAI runs hosted tools itself unless told to leave them to Switchboard.
    { name: 'openai', kind: 'openai', base_url: fakes.openai.baseUrl, api_key: 'k', server_tools: 'switchboard' },
  ];
  sb = await startSwitchboard({
    providers,
    tools: { web_search: { backend: 'searxng', base_url: searx.url } },
    fetch: { allow_hosts: ['127.0.0.1'] },
  });
  bare = await startSwitchboard({ providers });
});
after(async () => {
  await sb?.close();
  await bare?.close();
  await searx?.close();
  for (const f of Object.values(fakes)) await f?.close();
});

function script(kind: Kind | 'openai') {
  const answer = `It was released on 3 December 2026 — see [Switchboard 1.0 released](${pageUrl}).`;
  fakes[kind].enqueue(
    { kind: 'reply', toolCalls: [{ name: 'web_search', arguments: '{"query":"switchboard release date"}' }], usage: { input: 100, output: 10 } },
    { kind: 'reply', text: answer, usage: { input: 300, output: 20 } },
  );
  return answer;
}

for (const kind of ['chat', 'anthropic', 'gemini'] as Kind[]) {
  describe(`web_search on ${kind}`, () => {
    test('non-streamed: search item, results fed back in the vendor format, cited answer, usage summed', async () => {
      const before = fakes[kind].received.length;
      const answer = script(kind);
      const r = await sb.client().responses.create({
        model: `${kind}/m`, input: 'When was Switchboard 1.0 released?', tools: [{ type: 'web_search' }],
        include: ['web_search_call.action.sources'],
      });
      assert.equal(r.status, 'completed');
      // Gemini's function calls come with a thought signature: a reasoning item first, replayed next turn.
      const output = r.output.filter((i) => i.type !== 'reasoning');
      assert.deepEqual(output.map((i) => i.type), ['web_search_call', 'message']);
      const call = output[0] as any;
      assert.equal(call.status, 'completed');
      assert.equal(call.action.type, 'search');
      assert.equal(call.action.query, 'switchboard release date');
      assert.deepEqual(call.action.sources.map((s: any) => s.url), [pageUrl]);
      assert.equal(call._switchboard_model_output, undefined, 'what the model was told is not shown');

      const seen = fakes[kind].received.slice(before);
      assert.equal(seen.length, 2, 'two model turns');
      assert.ok(toolNamesIn(kind, seen[0].body).includes('web_search'), 'the model is offered the search as a function');
      const results = toolResultsIn(kind, seen[1].body);
      assert.equal(results.length, 1);
      assert.match(results[0].text, /released on 3 December 2026/, 'the page text reached the model');
      assert.doesNotMatch(results[0].text, /do not read me/, 'scripts are not page text');
      assert.ok(results[0].text.includes(pageUrl));

      const msg = output[1] as any;
      const text = msg.content[0].text as string;
      assert.equal(text, answer);
      const [cite] = msg.content[0].annotations;
      assert.equal(cite.type, 'url_citation');
      assert.equal(cite.url, pageUrl);
      assert.equal(text.slice(cite.start_index, cite.end_index), `[Switchboard 1.0 released](${pageUrl})`);
      assert.equal(r.usage!.input_tokens, 400);
      assert.equal(r.usage!.output_tokens, 30);
      assert.equal(r.usage!.total_tokens, 430);
    });

    test('streamed through the strict helper: the events of the search item, then the cited answer', async () => {
      script(kind);
      const stream = sb.client().responses.stream({ model: `${kind}/m`, input: 'When?', tools: [{ type: 'web_search' }] });
      const types: string[] = [];
      for await (const e of stream) types.push(e.type);
      const final = await stream.finalResponse();
      const output = final.output.filter((i) => i.type !== 'reasoning');
      assert.deepEqual(output.map((i) => i.type), ['web_search_call', 'message']);
      assert.equal((output[0] as any).action.sources, undefined, 'sources only when included');
      const order = [
        'response.created', 'response.in_progress', 'response.output_item.added', 'response.web_search_call.in_progress',
        'response.web_search_call.searching', 'response.web_search_call.completed', 'response.output_item.done',
        'response.output_item.added', 'response.content_part.added', 'response.output_text.delta',
        'response.output_text.annotation.added', 'response.output_text.done', 'response.content_part.done',
        'response.output_item.done', 'response.completed',
      ];
      assertInOrder(types, order);
    });
  });
}

test('a later turn shows an Anthropic model the stored search as a tool_use / tool_result pair', async () => {
  script('anthropic');
  const first = await sb.client().responses.create({ model: 'anthropic/m', input: 'When?', tools: [{ type: 'web_search' }] });
  const n = fakes.anthropic.received.length;
  await sb.client().responses.create({ model: 'anthropic/m', input: 'Thanks!', previous_response_id: first.id });
  const body = fakes.anthropic.received[n].body;
  const results = toolResultsIn('anthropic', body);
  assert.equal(results.length, 1);
  assert.match(results[0].text, /released on 3 December 2026/, 'the same result the model saw then');
});

test('without a configured backend: an offered web_search is left out, a forced one is a 400 naming the configuration', async () => {
  const ok = await bare.client().responses.create({ model: 'chat/m', input: 'hi', tools: [{ type: 'web_search' }] });
  assert.equal(ok.status, 'completed');
  const err = await bare.client().responses.create({ model: 'chat/m', input: 'hi', tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search' } as any })
    .then(() => null, (e) => e);
  assert.equal(err?.status, 400);
  assert.equal(err.error.param, 'tool_choice');
  assert.match(err.error.message, /tools\.web_search/);
});

test('an openai-kind provider configured server_tools: switchboard gets the search as a function, and its result as function output', async () => {
  const n = fakes.openai.received.length;
  script('openai');
  const r = await sb.client().responses.create({ model: 'openai/gpt-5', input: 'When?', tools: [{ type: 'web_search' }] });
  assert.deepEqual(r.output.map((i) => i.type), ['web_search_call', 'message']);
  const [first, second] = fakes.openai.received.slice(n).map((x) => x.body);
  assert.deepEqual(first.tools.map((t: any) => `${t.type}:${t.name ?? ''}`), ['function:web_search', 'function:web_open_page', 'function:web_find_in_page']);
  const out = second.input.find((i: any) => i.type === 'function_call_output');
  assert.match(String(out.output), /released on 3 December 2026/);
});

test('tool_choice forcing web_search forces the search function', async () => {
  const n = fakes.chat.received.length;
  script('chat');
  const r = await sb.client().responses.create({ model: 'chat/m', input: 'When?', tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search' } as any });
  assert.equal(r.status, 'completed');
  assert.deepEqual(fakes.chat.received[n].body.tool_choice, { type: 'function', function: { name: 'web_search' } });
  assert.equal(r.tool_choice && (r.tool_choice as any).type, 'web_search', 'the Response echoes what the client asked');
});

test("Codex's web_search with external_web_access: false searches the index only: no page is read, no page function offered", async () => {
  const n = fakes.chat.received.length;
  const pagesBefore = searx.pageHits.length;
  script('chat');
  const r = await sb.client().responses.create({
    model: 'chat/m', input: 'When?', tools: [{ type: 'web_search', external_web_access: false } as any],
  });
  assert.equal(r.output[0].type, 'web_search_call');
  assert.deepEqual(toolNamesIn('chat', fakes.chat.received[n].body), ['web_search']);
  assert.equal(searx.pageHits.length, pagesBefore, 'no page fetched');
  assert.match(toolResultsIn('chat', fakes.chat.received[n + 1].body)[0].text, /Switchboard 1.0 was released/, 'the snippet');
});

test('counting input tokens after a search on Anthropic counts the search as the tool_use / tool_result it was', async () => {
  script('anthropic');
  const first = await sb.client().responses.create({ model: 'anthropic/m', input: 'When?', tools: [{ type: 'web_search' }] });
  const n = fakes.anthropic.received.length;
  const res = await sb.post('/v1/responses/input_tokens', { model: 'anthropic/m', previous_response_id: first.id, input: 'And then?' });
  assert.equal(res.status, 200, await res.clone().text());
  const counted = fakes.anthropic.received.slice(n).find((r) => r.path.endsWith('/count_tokens'));
  assert.ok(counted, 'the vendor count endpoint was asked');
  assert.match(toolResultsIn('anthropic', counted!.body)[0].text, /released on 3 December 2026/);
});
