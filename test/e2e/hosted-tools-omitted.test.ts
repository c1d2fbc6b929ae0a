/**
 * Hosted tools offered to providers that cannot run them (src/responses/hosted-tools.ts): Codex always offers
 * `web_search`; on a Chat-Completions, Anthropic or Gemini provider it is left out of what the model sees, the
 * request succeeds, and the omission is reported. A tool_choice that forces such a tool is still a 400.
 * Driven with the `openai` SDK's streaming client against every non-OpenAI kind, default provider settings.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startServer, type RunningServer } from '../../src/app.js';
import { buildConfig } from '../../src/config/load-config.js';
import { startFakeAnthropic } from '../fakes/fake-anthropic.js';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import { startFakeGemini } from '../fakes/fake-gemini.js';
import { startFakeResponses } from '../fakes/fake-responses.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { createLogger } from '../../src/log/logger.js';

type Kind = 'chat' | 'anthropic' | 'gemini' | 'openai';
const fakes = {} as Record<Kind, FakeUpstream>;
let sb: RunningServer;
let client: OpenAI;
const logLines: Record<string, unknown>[] = [];

before(async () => {
  fakes.chat = await startFakeChatCompletions();
  fakes.anthropic = await startFakeAnthropic();
  fakes.gemini = await startFakeGemini();
  fakes.openai = await startFakeResponses();
  const dir = mkdtempSync(join(tmpdir(), 'sb-hosted-'));
  // Default provider settings (no drop_unsupported), except no retries so the fallback test is quick.
  const config = buildConfig({
    providers: [
      { name: 'chat', kind: 'openai-chat', base_url: fakes.chat.baseUrl },
      { name: 'anthropic', kind: 'anthropic', base_url: fakes.anthropic.baseUrl, api_key: 'k' },
      { name: 'gemini', kind: 'gemini', base_url: fakes.gemini.baseUrl, api_key: 'k' },
      { name: 'openai', kind: 'openai', base_url: fakes.openai.baseUrl, api_key: 'k', retry: { max: 0 } },
    ],
    // The tools Switchboard can run itself are turned off: this file is about tools nothing here runs.
    tools: { mcp: { enabled: false }, file_search: { enabled: false }, code_interpreter: { enabled: false } },
    models: {
      'gpt-then-claude': ['openai/gpt-5-codex', 'anthropic/claude-sonnet-4-5'],
      'claude-then-gpt': ['anthropic/claude-sonnet-4-5', 'openai/gpt-5-codex'],
    },
  }, {}, { port: 0, host: '127.0.0.1', dbPath: join(dir, 'switchboard.db'), keepAliveMs: 0 });
  sb = await startServer({ ...config, files: { ...config.files, dir: join(dir, 'files') } }, createLogger('debug', { write: (line: string) => { logLines.push(JSON.parse(line)); } }));
  client = new OpenAI({ apiKey: 'sk-test', baseURL: `${sb.url}/v1`, maxRetries: 0 });
});
after(async () => {
  await sb.close();
  for (const f of Object.values(fakes)) await f.close();
});

const APPLY_PATCH_GRAMMAR = [
  'start: begin_patch hunk+ end_patch',
  'begin_patch: "*** Begin Patch" LF',
  'end_patch: "*** End Patch" LF?',
  'hunk: add_hunk | delete_hunk | update_hunk',
  'add_hunk: "*** Add File: " filename LF add_line+',
  'delete_hunk: "*** Delete File: " filename LF',
  'update_hunk: "*** Update File: " filename LF change_move? change?',
  'filename: /(.+)/',
  'add_line: "+" /(.*)/ LF -> line',
  'change_move: "*** Move to: " filename LF',
  'change: (change_context | change_line)+ eof_line?',
  'change_context: ("@@" | "@@ " /(.+)/) LF',
  'change_line: ("+" | "-" | " ") /(.*)/ LF',
  'eof_line: "*** End of File" LF',
  '%import common.LF',
].join('\n');

/** The tool list Codex 0.169 sends (`wire_api = "responses"`), abridged descriptions. */
const CODEX_TOOLS = [
  {
    type: 'function', name: 'shell', strict: false,
    description: 'Runs a shell command and returns its output.',
    parameters: {
      type: 'object',
      properties: {
        command: { type: 'array', items: { type: 'string' }, description: 'The command to execute' },
        workdir: { type: 'string', description: 'The working directory to execute the command in' },
        timeout_ms: { type: 'number', description: 'The timeout for the command in milliseconds' },
        with_escalated_permissions: { type: 'boolean', description: 'Whether to request escalated permissions.' },
        justification: { type: 'string', description: 'Only set if with_escalated_permissions is true.' },
      },
      required: ['command'],
      additionalProperties: false,
    },
  },
  {
    type: 'function', name: 'update_plan', strict: false,
    description: 'Updates the task plan. Provide an optional explanation and a list of plan items, each with a step and status.',
    parameters: {
      type: 'object',
      properties: {
        explanation: { type: 'string' },
        plan: {
          type: 'array',
          description: 'The list of steps',
          items: {
            type: 'object',
            properties: { step: { type: 'string' }, status: { type: 'string', description: 'One of: pending, in_progress, completed' } },
            required: ['step', 'status'],
            additionalProperties: false,
          },
        },
      },
      required: ['plan'],
      additionalProperties: false,
    },
  },
  {
    type: 'function', name: 'view_image', strict: false,
    description: 'Attach a local image (by filesystem path) to the conversation context for this turn.',
    parameters: { type: 'object', properties: { path: { type: 'string', description: 'Local filesystem path to an image file' } }, required: ['path'], additionalProperties: false },
  },
  {
    type: 'namespace', name: 'mcp__docs', description: 'Tools of the MCP server `docs`.',
    tools: [
      { type: 'function', name: 'search', description: 'Search the docs', strict: false, parameters: { type: 'object', properties: { query: { type: 'string' }, limit: { type: 'integer', minimum: 1 } }, required: ['query'], additionalProperties: false } },
      { type: 'function', name: 'fetch', description: 'Fetch one page', strict: false, parameters: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { url: { type: 'string', format: 'uri' } }, required: ['url'] } },
    ],
  },
  {
    type: 'custom', name: 'apply_patch',
    description: 'Use the `apply_patch` tool to edit files. This is a FREEFORM tool, so do not wrap the patch in JSON.',
    format: { type: 'grammar', syntax: 'lark', definition: APPLY_PATCH_GRAMMAR },
  },
  { type: 'web_search', external_web_access: true },
];

const FUNCTION_NAMES = ['shell', 'update_plan', 'view_image', 'mcp__docs__search', 'mcp__docs__fetch', 'apply_patch'];

function codexBody(model: string, input: unknown[]) {
  return {
    model,
    instructions: 'You are Codex, a coding agent based on GPT-5. You and the user share the same workspace.',
    input,
    tools: CODEX_TOOLS,
    tool_choice: 'auto',
    parallel_tool_calls: false,
    reasoning: { effort: 'medium', summary: 'auto' },
    store: false,
    stream: true,
    include: ['reasoning.encrypted_content'],
    prompt_cache_key: '0199a2f4-7c1e-7d40-9b1e-5d6c2a9f3e10',
    client_metadata: { originator: 'codex_exec', 'x-codex-turn': '1' },
  } as any;
}

const FIRST_TURN = [
  { type: 'message', role: 'developer', content: [{ type: 'input_text', text: '<permissions instructions>workspace-write</permissions instructions>' }] },
  { type: 'message', role: 'user', content: [{ type: 'input_text', text: '<environment_context><cwd>/repo</cwd></environment_context>' }] },
  { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'list the files' }] },
];

/** The tool names a fake upstream was offered, in its vendor's wire format. */
function offeredNames(kind: Kind, body: any): string[] {
  if (kind === 'chat') return (body.tools ?? []).map((t: any) => t.function.name);
  if (kind === 'anthropic') return (body.tools ?? []).map((t: any) => t.name);
  if (kind === 'gemini') return (body.tools ?? []).flatMap((t: any) => (t.functionDeclarations ?? []).map((d: any) => d.name));
  return (body.tools ?? []).map((t: any) => t.name ?? t.type);
}

async function streamed(body: unknown) {
  const { data, response } = await client.responses.create(body as any).withResponse();
  const events: any[] = [];
  for await (const e of data as any) events.push(e);
  return { events, headers: response.headers };
}

const MODELS: Record<Exclude<Kind, 'openai'>, string> = {
  chat: 'chat/qwen3-coder',
  anthropic: 'anthropic/claude-sonnet-4-5',
  gemini: 'gemini/gemini-2.5-pro',
};

describe('Codex (wire_api = "responses") through each non-OpenAI provider kind, default settings', () => {
  for (const kind of ['chat', 'anthropic', 'gemini'] as const) {
    test(`${kind}: web_search is left out and reported, and a tool round trip completes`, async () => {
      const fake = fakes[kind];
      const sentBefore = fake.received.length;
      fake.enqueue({
        kind: 'reply', reasoning: 'I should list the files.', reasoningSignature: 'c2lnLWNvZGV4',
        toolCalls: [{ name: 'shell', arguments: '{"command":["ls","-la"],"workdir":"/repo"}', id: 'call_ls_1' }],
      });
      const t1 = await streamed(codexBody(MODELS[kind], FIRST_TURN));
      assert.equal(t1.headers.get('x-switchboard-omitted-tools'), 'web_search');
      assert.equal(t1.events.at(-1).type, 'response.completed', JSON.stringify(t1.events.at(-1)));
      // Codex builds its transcript from output_item.done.
      const done = t1.events.filter((e) => e.type === 'response.output_item.done').map((e) => e.item);
      const call = done.find((i) => i.type === 'function_call');
      assert.ok(call, JSON.stringify(done));
      assert.match(call.id, /^fc_/);
      assert.equal(call.name, 'shell');
      assert.deepEqual(JSON.parse(call.arguments), { command: ['ls', '-la'], workdir: '/repo' });
      // The Response echoes the tools the client offered, web_search included.
      const echoed = t1.events.at(-1).response.tools.map((t: any) => t.type);
      assert.deepEqual(echoed, CODEX_TOOLS.map((t) => t.type));

      const sent1 = fake.received[sentBefore].body;
      assert.deepEqual(offeredNames(kind, sent1), FUNCTION_NAMES, 'every function-like tool reaches the model');
      assert.ok(!JSON.stringify(sent1.tools).includes('web_search'), 'no web_search tool reaches the upstream');

      // Turn 2: Codex resends the whole history, with the call and its output.
      fake.enqueue({ kind: 'reply', text: 'The repo holds README.md and src/.' });
      const history = [...FIRST_TURN, ...done, { type: 'function_call_output', call_id: call.call_id, output: 'README.md\nsrc\n' }];
      const t2 = await streamed(codexBody(MODELS[kind], history));
      assert.equal(t2.headers.get('x-switchboard-omitted-tools'), 'web_search');
      const last = t2.events.at(-1);
      assert.equal(last.type, 'response.completed', JSON.stringify(last));
      const message = last.response.output.find((i: any) => i.type === 'message');
      assert.equal(message.content[0].text, 'The repo holds README.md and src/.');
      const sent2 = fake.received.at(-1)!.body;
      assert.equal(fake.received.length, sentBefore + 2);
      assert.deepEqual(offeredNames(kind, sent2), FUNCTION_NAMES);
      assert.ok(!JSON.stringify(sent2.tools).includes('web_search'));
      assert.ok(JSON.stringify(sent2).includes('README.md\\nsrc\\n'), 'the function output reached the model');
    });
  }

  test('a JSON (not streamed) answer carries the header too, and the debug log says what was left out', async () => {
    const res = await fetch(`${sb.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ...codexBody(MODELS.chat, FIRST_TURN), stream: false,
        tools: [...CODEX_TOOLS, { type: 'web_search_preview' }, { type: 'file_search', vector_store_ids: ['vs_1'] }, { type: 'web_search' }],
      }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('x-switchboard-omitted-tools'), 'web_search,web_search_preview,file_search', 'deduplicated, in offered order');
    const requestId = res.headers.get('x-request-id');
    const line = logLines.find((l) => l.request_id === requestId && Array.isArray(l.tools));
    assert.ok(line, JSON.stringify(logLines.slice(-3)));
    assert.equal(line.level, 'debug');
    assert.deepEqual(line.tools, ['web_search', 'web_search_preview', 'file_search']);
  });

  test('the openai kind still passes hosted tools through (OpenAI runs them): nothing is left out', async () => {
    const t = await streamed(codexBody('openai/gpt-5-codex', FIRST_TURN));
    assert.equal(t.headers.get('x-switchboard-omitted-tools'), null);
    assert.deepEqual(fakes.openai.received.at(-1)!.body.tools, CODEX_TOOLS);
  });
});

describe('a tool_choice that forces a hosted tool the provider cannot run is still a 400', () => {
  const cases: [string, unknown, unknown[]][] = [
    ['web_search', { type: 'web_search' }, CODEX_TOOLS],
    ['mcp', { type: 'mcp', server_label: 'deepwiki' }, [...CODEX_TOOLS, { type: 'mcp', server_label: 'deepwiki', server_url: 'https://mcp.deepwiki.com/mcp' }]],
    ['file_search', { type: 'file_search' }, [{ type: 'file_search', vector_store_ids: ['vs_1'] }]],
    ['allowed_tools required, all hosted', { type: 'allowed_tools', mode: 'required', tools: [{ type: 'web_search' }] }, CODEX_TOOLS],
    ['required, every offered tool hosted', 'required', [{ type: 'web_search' }, { type: 'code_interpreter', container: { type: 'auto' } }]],
  ];
  for (const kind of ['chat', 'anthropic', 'gemini'] as const) {
    for (const [name, tool_choice, tools] of cases) {
      test(`${kind}: ${name}`, async () => {
        const before = fakes[kind].received.length;
        const body = { ...codexBody(MODELS[kind], FIRST_TURN), tools, tool_choice, reasoning: null, store: true, stream: false };
        const res = await fetch(`${sb.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        assert.equal(res.status, 400);
        const { error } = await res.json() as any;
        assert.equal(error.param, 'tool_choice');
        assert.equal(error.code, 'unsupported_parameter');
        assert.equal(error.type, 'invalid_request_error');
        assert.match(error.message, /web_search|file_search|mcp/);
        assert.equal(fakes[kind].received.length, before, 'nothing was sent upstream');
      });
    }
  }

  test('allowed_tools in mode required naming a function as well is served (the function can be called)', async () => {
    fakes.chat.enqueue({ kind: 'reply', toolCalls: [{ name: 'shell', arguments: '{"command":["pwd"]}' }] });
    const r = await client.responses.create({
      ...codexBody(MODELS.chat, FIRST_TURN), stream: false,
      tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'web_search' }, { type: 'function', name: 'shell' }] },
    });
    assert.equal(r.status, 'completed');
    const sent = fakes.chat.received.at(-1)!.body;
    assert.deepEqual(offeredNames('chat', sent), ['shell']);
    assert.equal(sent.tool_choice, 'required');
  });
});

describe('fallback routes of another kind', () => {
  test('openai primary fails, the anthropic fallback answers: web_search left out there, and reported', async () => {
    fakes.openai.enqueue({ kind: 'error', status: 500, message: 'down' });
    fakes.anthropic.enqueue({ kind: 'reply', text: 'from claude' });
    const t = await streamed({ ...codexBody('gpt-then-claude', FIRST_TURN), reasoning: null });
    assert.equal(t.events.at(-1).type, 'response.completed');
    assert.equal(t.events.at(-1).response.model, 'anthropic/claude-sonnet-4-5');
    assert.equal(t.headers.get('x-switchboard-omitted-tools'), 'web_search');
    assert.ok(!JSON.stringify(fakes.anthropic.received.at(-1)!.body.tools).includes('web_search'));
    assert.ok(JSON.stringify(fakes.openai.received.at(-1)!.body.tools).includes('web_search'), 'the openai attempt offered it');
  });

  test('the openai primary answers: nothing is left out', async () => {
    const t = await streamed({ ...codexBody('gpt-then-claude', FIRST_TURN), reasoning: null });
    assert.equal(t.events.at(-1).response.model, 'openai/gpt-5-codex');
    assert.equal(t.headers.get('x-switchboard-omitted-tools'), null);
  });

  test('a choice forcing web_search skips the anthropic primary for the openai fallback that can run it', async () => {
    const before = fakes.anthropic.received.length;
    const t = await streamed({ ...codexBody('claude-then-gpt', FIRST_TURN), reasoning: null, tool_choice: { type: 'web_search' } });
    assert.equal(t.events.at(-1).response.model, 'openai/gpt-5-codex');
    assert.equal(t.headers.get('x-switchboard-omitted-tools'), null);
    assert.equal(fakes.anthropic.received.length, before);
  });
});
