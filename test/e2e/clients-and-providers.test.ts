/**
 * Real clients' traffic through Switchboard to each upstream kind: a Codex-shaped stateless turn loop on the
 * OpenAI Responses upstream, Anthropic thinking round-trips via previous_response_id and via store:false,
 * and drop_unsupported reporting.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeResponses, type FakeResponses } from '../fakes/fake-responses.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { readSse, startSwitchboard, type TestServer } from '../helpers/switchboard.js';

let openai: FakeResponses;
let anthropic: FakeAnthropic;
let chat: FakeUpstream;
let sb: TestServer;

before(async () => {
  openai = await startFakeResponses({ strictEncryptedContent: true });
  anthropic = await startFakeAnthropic();
  chat = await startFakeChatCompletions();
  sb = await startSwitchboard(
    { providers: [{ name: 'local', kind: 'openai-chat', base_url: chat.baseUrl, drop_unsupported: true }] },
    // No file entries for these two: the vendor SDKs' env names alone declare them.
    { OPENAI_API_KEY: 'sk-up', OPENAI_BASE_URL: openai.baseUrl, ANTHROPIC_API_KEY: 'ak-up', ANTHROPIC_BASE_URL: anthropic.baseUrl },
  );
});
after(async () => { await sb.close(); await openai.close(); await anthropic.close(); await chat.close(); });

const CODEX_TOOLS = [
  { type: 'function', name: 'shell', description: 'Run a command', strict: false, parameters: { type: 'object', properties: { command: { type: 'array', items: { type: 'string' } } }, required: ['command'] } },
  { type: 'namespace', name: 'mcp_fs', description: 'files', tools: [{ type: 'function', name: 'read', parameters: { type: 'object', properties: {} } }] },
  { type: 'web_search', external_web_access: false },
  { type: 'custom', name: 'apply_patch', description: 'Patch files', format: { type: 'grammar', syntax: 'lark', definition: 'start: "x"' } },
];

function codexBody(input: unknown[]) {
  return {
    model: 'openai/gpt-5-codex',
    instructions: 'You are Codex.',
    input,
    tools: CODEX_TOOLS,
    tool_choice: 'auto',
    parallel_tool_calls: false,
    reasoning: { effort: 'medium', summary: 'auto' },
    store: false,
    stream: true,
    include: ['reasoning.encrypted_content'],
    prompt_cache_key: '0b7a3c2e-3d7f-4c1e-9a51-7f5c7a1d2e10',
    client_metadata: { originator: 'codex_cli_rs' },
    text: { verbosity: 'medium' },
  };
}

describe('Codex CLI on the openai (Responses) upstream', () => {
  test('stateless turn loop: server ids and encrypted reasoning echoed back reach the upstream intact', async () => {
    openai.enqueue({ kind: 'reply', reasoning: 'plan the command', reasoningSignature: 'enc-blob-1', toolCalls: [{ name: 'shell', arguments: '{"command":["ls"]}', id: 'call_ls' }], usage: { input: 20, output: 9, reasoning: 4 } });
    const res = await sb.post('/v1/responses', codexBody([
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: '<permissions>' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'list files' }] },
    ]));
    assert.equal(res.status, 200);
    const events = (await readSse(res)).slice(0, -1).map((f) => f.data);
    // Codex builds its transcript only from output_item.done
    const done = events.filter((e) => e.type === 'response.output_item.done').map((e) => e.item);
    const reasoning = done.find((i) => i.type === 'reasoning');
    const call = done.find((i) => i.type === 'function_call');
    // Switchboard tags the blob with the vendor that issued it (sent back untagged, to that vendor only).
    assert.equal(reasoning.encrypted_content, 'sb:openai:enc-blob-1');
    assert.match(reasoning.id, /^rs_/);
    assert.equal(call.call_id, 'call_ls');
    assert.match(call.id, /^fc_/);
    const completed = events.at(-1);
    assert.equal(completed.type, 'response.completed');
    const u = completed.response.usage;
    assert.equal(u.total_tokens, u.input_tokens + u.output_tokens);
    assert.equal(u.output_tokens_details.reasoning_tokens, 4);
    assert.equal(typeof u.input_tokens_details.cached_tokens, 'number');
    // store:false → nothing retrievable
    assert.equal((await fetch(`${sb.url}/v1/responses/${completed.response.id}`)).status, 404);

    const sent1 = openai.received.at(-1)!.body;
    assert.equal(sent1.store, false);
    assert.ok(sent1.include.includes('reasoning.encrypted_content'));
    assert.deepEqual(sent1.tools, CODEX_TOOLS, 'hosted/namespace/custom tools pass through untouched');
    assert.equal(sent1.prompt_cache_key, '0b7a3c2e-3d7f-4c1e-9a51-7f5c7a1d2e10');
    assert.equal(sent1.client_metadata, undefined, 'Switchboard-side field, not sent upstream');

    // Turn 2: Codex resends the whole history with the server's items (content: null on reasoning).
    const res2 = await sb.post('/v1/responses', codexBody([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'list files' }] },
      { ...reasoning, content: null },
      call,
      { type: 'function_call_output', call_id: 'call_ls', output: 'README.md\nsrc' },
    ]));
    assert.equal(res2.status, 200);
    const last = (await readSse(res2)).at(-2)!.data;
    assert.equal(last.type, 'response.completed', JSON.stringify(last));
    const sent2 = openai.received.at(-1)!.body;
    const sentReasoning = sent2.input.find((i: any) => i.type === 'reasoning');
    assert.equal(sentReasoning.encrypted_content, 'enc-blob-1');
    assert.ok(sent2.input.some((i: any) => i.type === 'function_call_output' && i.call_id === 'call_ls'));
  });

  test('the same Codex body on a Chat-Completions provider configured drop_unsupported: web_search is left out and reported as such', async () => {
    const body = { ...codexBody([{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }]), model: 'local/qwen3', stream: false };
    const res = await sb.post('/v1/responses', body);
    assert.equal(res.status, 200, await res.clone().text());
    // Left out whatever drop_unsupported says: a tool, not a request parameter, so not among the dropped ones.
    assert.equal(res.headers.get('x-switchboard-omitted-tools'), 'web_search');
    assert.equal(res.headers.get('x-switchboard-dropped-params'), null);
    const tools = chat.received.at(-1)!.body.tools.map((t: any) => t.function.name);
    assert.deepEqual(tools, ['shell', 'mcp_fs__read', 'apply_patch']);
  });
});

describe('Anthropic thinking round-trip through Switchboard', () => {
  const tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];

  test('a non-streamed answer is byte for byte what GET returns later, with encrypted reasoning hidden or shown as include asks', async () => {
    for (const include of [[], ['reasoning.encrypted_content']]) {
      anthropic.enqueue({ kind: 'reply', reasoning: 'think "hard"', reasoningSignature: 'c2lnLTI=', text: 'done' });
      const res = await sb.post('/v1/responses', { model: 'anthropic/claude-sonnet-4-5', input: 'go', reasoning: { effort: 'low' }, include });
      assert.equal(res.status, 200);
      const created = await res.text();
      const r = JSON.parse(created);
      assert.deepEqual(r.output.map((o: any) => o.type), ['reasoning', 'message']);
      assert.equal('encrypted_content' in r.output[0], include.length > 0);
      const query = include.length ? '?include[]=reasoning.encrypted_content' : '';
      const got = await (await fetch(`${sb.url}/v1/responses/${r.id}${query}`)).text();
      assert.equal(got, created);
    }
  });

  test("a streamed answer's terminal Response is byte for byte what GET returns later", async () => {
    for (const include of [[], ['reasoning.encrypted_content']]) {
      anthropic.enqueue({ kind: 'reply', reasoning: 'think', reasoningSignature: 'c2lnLTM=', text: 'streamed "done"' });
      const res = await sb.post('/v1/responses', { model: 'anthropic/claude-sonnet-4-5', input: 'go', reasoning: { effort: 'low' }, include, stream: true });
      const text = await res.text();
      const line = text.split('\n').find((l) => l.startsWith('data: {"type":"response.completed"'))!;
      const data = line.slice('data: '.length);
      const prefix = data.slice(0, data.indexOf('"response":') + '"response":'.length);
      const shown = data.slice(prefix.length, -1);
      const id = JSON.parse(shown).id;
      const query = include.length ? '?include[]=reasoning.encrypted_content' : '';
      assert.equal(await (await fetch(`${sb.url}/v1/responses/${id}${query}`)).text(), shown);
      assert.equal(shown.includes('encrypted_content'), include.length > 0);
    }
  });

  test('via previous_response_id: the signed thinking block goes back before tool_use', async () => {
    anthropic.enqueue({ kind: 'reply', reasoning: 'need weather', reasoningSignature: 'c2lnLTE=', toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}', id: 'toolu_1' }] });
    const client = sb.client();
    const r1 = await client.responses.create({ model: 'anthropic/claude-sonnet-4-5', input: 'weather in Paris?', tools: tools as any, reasoning: { effort: 'low' } });
    assert.deepEqual(r1.output.map((o) => o.type), ['reasoning', 'function_call']);
    assert.equal((r1.output[0] as any).encrypted_content, undefined, 'hidden without include');
    await client.responses.create({
      model: 'anthropic/claude-sonnet-4-5', previous_response_id: r1.id, tools: tools as any, reasoning: { effort: 'low' },
      input: [{ type: 'function_call_output', call_id: 'toolu_1', output: '18C' }],
    });
    const msgs = anthropic.received.at(-1)!.body.messages;
    assert.deepEqual(msgs.map((m: any) => m.role), ['user', 'assistant', 'user']);
    assert.deepEqual(msgs[1].content.map((b: any) => b.type), ['thinking', 'tool_use']);
    assert.equal(msgs[1].content[0].signature, 'c2lnLTE=');
    assert.equal(msgs[1].content[0].thinking, 'need weather');
    assert.deepEqual(msgs[2].content[0], { type: 'tool_result', tool_use_id: 'toolu_1', content: '18C' });
  });

  test('via store:false + include encrypted_content: the client carries the signature', async () => {
    anthropic.enqueue({ kind: 'reply', reasoning: 'think', reasoningSignature: 'c2lnLTI=', toolCalls: [{ name: 'get_weather', arguments: '{}', id: 'toolu_2' }] });
    const client = sb.client();
    const r1 = await client.responses.create({
      model: 'anthropic/claude-sonnet-4-5', input: 'weather?', tools: tools as any, reasoning: { effort: 'low' },
      store: false, include: ['reasoning.encrypted_content'],
    });
    assert.match((r1.output[0] as any).encrypted_content, /^sb:anthropic:/);
    await client.responses.create({
      model: 'anthropic/claude-sonnet-4-5', tools: tools as any, reasoning: { effort: 'low' }, store: false,
      input: [{ role: 'user', content: 'weather?' }, ...(r1.output as any[]), { type: 'function_call_output', call_id: 'toolu_2', output: 'sunny' }],
    });
    const msgs = anthropic.received.at(-1)!.body.messages;
    assert.equal(msgs[1].content[0].type, 'thinking');
    assert.equal(msgs[1].content[0].signature, 'c2lnLTI=');
  });
});

test('a conversation moving between vendors never sends one vendor\'s reasoning state to another', async () => {
  anthropic.enqueue({ kind: 'reply', reasoning: 'hmm', reasoningSignature: 'YW50aHJvcGljLXNpZw==', text: 'first' });
  const client = sb.client();
  const r1 = await client.responses.create({ model: 'anthropic/claude-sonnet-4-5', input: 'hi', reasoning: { effort: 'low' } });
  await client.responses.create({ model: 'openai/gpt-5', input: 'and now?', previous_response_id: r1.id });
  const sentReasoning = openai.received.at(-1)!.body.input.filter((i: any) => i.type === 'reasoning');
  assert.ok(sentReasoning.every((i: any) => !i.encrypted_content), 'no foreign blob reaches OpenAI');
  const blobs = JSON.stringify(openai.received.at(-1)!.body);
  assert.ok(!blobs.includes('YW50aHJvcGljLXNpZw=='));
});
