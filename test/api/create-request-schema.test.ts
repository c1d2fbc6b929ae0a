import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ResponseCreateParamsBase, ResponseInputItem, Tool } from 'openai/resources/responses/responses';
import { parseCreateParams } from '../../src/api/create-request-schema.js';
import { ApiError } from '../../src/api/errors.js';

/** Runs the parser expecting a 400 and returns the error. */
function reject(body: unknown): ApiError {
  try {
    parseCreateParams(body);
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected ApiError, got ${String(err)}`);
    assert.equal(err.status, 400);
    assert.equal(err.type, 'invalid_request_error');
    return err;
  }
  assert.fail(`expected a 400 for ${JSON.stringify(body).slice(0, 200)}`);
}

/** A turn of Codex CLI traffic as it reaches /v1/responses: every field Codex sends, history with server ids. */
function codexBody() {
  return {
    model: 'gpt-5.1-codex',
    instructions: 'You are Codex, a coding agent running in the terminal.',
    input: [
      {
        type: 'message',
        role: 'developer',
        content: [{ type: 'input_text', text: '<permissions instructions>sandbox: workspace-write</permissions instructions>' }],
      },
      {
        type: 'message',
        role: 'user',
        content: [{ type: 'input_text', text: '<environment_context>\n  <cwd>/repo</cwd>\n</environment_context>' }],
      },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'fix the failing test' }] },
      {
        type: 'additional_tools',
        tools: [{ type: 'namespace', name: 'mcp__docs', description: 'Docs', tools: [{ type: 'function', name: 'lookup' }] }],
      },
      {
        type: 'reasoning',
        id: 'rs_0a1b2c3d4e5f',
        summary: [{ type: 'summary_text', text: '**Inspecting the test runner**' }],
        content: null,
        encrypted_content: 'gAAAAABpZ3J5cHRlZC1yZWFzb25pbmc=',
      },
      {
        type: 'function_call',
        id: 'fc_0a1b2c3d4e5f',
        name: 'shell_command',
        arguments: '{"command":"npm test","workdir":"/repo"}',
        call_id: 'call_shell_1',
      },
      { type: 'function_call_output', call_id: 'call_shell_1', output: 'Exit code: 1\nWall time: 2.1 seconds\nOutput:\nFAIL a.test.ts' },
      {
        type: 'function_call',
        id: 'fc_1a2b3c4d5e6f',
        name: 'search',
        namespace: 'mcp__docs',
        arguments: '{"q":"zod"}',
        call_id: 'call_mcp_1',
      },
      {
        type: 'function_call_output',
        call_id: 'call_mcp_1',
        output: [
          { type: 'input_text', text: 'result' },
          { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=' },
        ],
      },
      {
        type: 'custom_tool_call',
        id: 'ctc_0a1b2c3d',
        status: 'completed',
        call_id: 'call_patch_1',
        name: 'apply_patch',
        input: '*** Begin Patch\n*** Update File: a.ts\n@@\n-1\n+2\n*** End Patch',
      },
      { type: 'custom_tool_call_output', call_id: 'call_patch_1', output: 'Success. Updated the following files:\nM a.ts\n' },
      {
        type: 'web_search_call',
        status: 'completed',
        action: { type: 'search', query: 'node test runner exit code' },
      },
      {
        type: 'message',
        role: 'assistant',
        id: 'msg_0a1b2c3d',
        phase: 'final_answer',
        content: [{ type: 'output_text', text: 'The test passes now.' }],
      },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'thanks, now commit' }] },
    ],
    tools: [
      {
        type: 'function',
        name: 'shell_command',
        description: 'Runs a shell command and returns its output.',
        strict: false,
        parameters: {
          type: 'object',
          properties: { command: { type: 'string' }, workdir: { type: 'string' }, timeout_ms: { type: 'number' } },
          required: ['command'],
          additionalProperties: false,
        },
      },
      {
        type: 'custom',
        name: 'apply_patch',
        description: 'Use the `apply_patch` tool to edit files.',
        format: { type: 'grammar', syntax: 'lark', definition: 'start: begin_patch hunk+ end_patch\nbegin_patch: "*** Begin Patch" LF' },
      },
      {
        type: 'custom',
        name: 'pick_version',
        description: 'Pick a version.',
        format: { type: 'grammar', syntax: 'regex', definition: '^v\\d+\\.\\d+$' },
      },
      { type: 'custom', name: 'js_repl', description: 'Run JavaScript.', format: { type: 'text' } },
      { type: 'web_search', external_web_access: false },
      {
        type: 'namespace',
        name: 'mcp__docs',
        description: 'Tools of the docs MCP server.',
        tools: [
          {
            type: 'function',
            name: 'search',
            description: 'Search the docs.',
            strict: false,
            parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
          },
        ],
      },
    ],
    tool_choice: 'auto',
    parallel_tool_calls: true,
    reasoning: { effort: 'medium', summary: 'auto' },
    store: false,
    stream: true,
    include: ['reasoning.encrypted_content'],
    prompt_cache_key: '0199c2a4-5d1e-7a10-9b5e-6f3a2c1d0e9f',
    service_tier: 'priority',
    text: { verbosity: 'low' },
    client_metadata: { originator: 'codex_cli_rs', session_source: 'cli', turn: { n: 3 } },
  };
}

/** Every create parameter of the installed `openai` SDK (the type fails to compile if one is missing). */
function sdkBody() {
  const input: ResponseInputItem[] = [
    { role: 'user', content: 'Describe the picture.' },
    {
      type: 'message',
      role: 'user',
      content: [
        { type: 'input_text', text: 'Here it is' },
        { type: 'input_image', detail: 'high', image_url: 'https://example.com/cat.png' },
        { type: 'input_file', file_id: 'file-123', filename: 'notes.pdf' },
      ],
    },
    {
      type: 'message',
      id: 'msg_1',
      role: 'assistant',
      status: 'completed',
      content: [
        { type: 'output_text', text: 'A cat.', annotations: [] },
        { type: 'refusal', refusal: 'I cannot identify people.' },
      ],
    },
    { type: 'item_reference', id: 'msg_0' },
    { id: 'msg_00' },
    { type: 'compaction', encrypted_content: 'enc' },
    { type: 'mcp_approval_response', approval_request_id: 'mcpr_1', approve: true },
    {
      type: 'local_shell_call',
      id: 'lsh_1',
      call_id: 'call_ls',
      status: 'completed',
      action: { type: 'exec', command: ['ls'], env: {} },
    },
    { type: 'local_shell_call_output', id: 'call_ls', output: 'a.txt' },
    { type: 'apply_patch_call_output', call_id: 'call_ap', status: 'completed', output: 'done' },
  ];
  const tools: Tool[] = [
    { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: {} }, strict: true },
    { type: 'file_search', vector_store_ids: ['vs_1'] },
    { type: 'web_search_preview' },
    { type: 'mcp', server_label: 'deepwiki', server_url: 'https://mcp.deepwiki.com/mcp', require_approval: 'never' },
    { type: 'code_interpreter', container: { type: 'auto' } },
    { type: 'image_generation', quality: 'low' },
    { type: 'computer_use_preview', display_height: 768, display_width: 1024, environment: 'browser' },
    { type: 'local_shell' },
    { type: 'shell' },
    { type: 'apply_patch' },
    { type: 'tool_search' },
  ];
  const params: Required<ResponseCreateParamsBase> = {
    model: 'gpt-5.1',
    input,
    instructions: null,
    background: false,
    context_management: [{ type: 'compaction', compact_threshold: 0.8 }],
    conversation: { id: 'conv_1' },
    include: ['message.output_text.logprobs', 'web_search_call.action.sources'],
    max_output_tokens: 1024,
    metadata: { team: 'infra', run: '42' },
    parallel_tool_calls: false,
    previous_response_id: null,
    prompt: { id: 'pmpt_1', version: '2', variables: { city: 'Paris' } },
    prompt_cache_key: 'user-42',
    prompt_cache_retention: '24h',
    reasoning: { effort: 'low', summary: 'concise' },
    safety_identifier: 'hash-of-user',
    service_tier: 'flex',
    store: true,
    stream: true,
    stream_options: { include_obfuscation: false },
    temperature: 0.7,
    text: {
      format: {
        type: 'json_schema',
        name: 'weather_report',
        description: 'A report',
        strict: true,
        schema: { type: 'object', properties: { c: { type: 'number' } }, required: ['c'] },
      },
      verbosity: 'medium',
    },
    tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'get_weather' }] },
    tools,
    top_p: 0.9,
    truncation: 'auto',
    user: 'user-42',
  };
  // Documented for the Responses API but missing from this SDK version's create params.
  return { ...params, top_logprobs: 5, max_tool_calls: 8 };
}

describe('parseCreateParams: bodies real clients send', () => {
  it('passes a Codex CLI body through unchanged', () => {
    const body = codexBody();
    const parsed = parseCreateParams(structuredClone(body));
    assert.deepEqual(parsed, body);
  });

  it('passes an openai-SDK body with every create parameter, keeping the values', () => {
    const body = sdkBody();
    const parsed = parseCreateParams(structuredClone(body));
    assert.deepEqual(parsed, body);
  });

  it('accepts every Open Responses CreateResponseBody property', () => {
    const spec = {
      model: 'm', input: 'hi', previous_response_id: 'resp_1', include: ['reasoning.encrypted_content'],
      tools: [{ type: 'function', name: 'f' }], tool_choice: { type: 'function', name: 'f' },
      metadata: { a: 'b' }, text: { format: { type: 'json_object' }, verbosity: 'high' }, temperature: 0,
      top_p: 1, presence_penalty: -2, frequency_penalty: 2, parallel_tool_calls: true, stream: false,
      stream_options: { include_obfuscation: true }, background: false, max_output_tokens: 16, max_tool_calls: 1,
      reasoning: { effort: 'xhigh', summary: 'detailed' }, safety_identifier: 's', prompt_cache_key: 'k',
      truncation: 'disabled', instructions: 'be brief', store: false, service_tier: 'default', top_logprobs: 20,
    };
    assert.deepEqual(parseCreateParams(structuredClone(spec)), spec);
  });

  it('accepts the sampling extras other vendors take, and keeps a `stop` string as given', () => {
    const body = {
      model: 'm', input: 'hi', seed: -7, stop: 'END', top_k: 40, repetition_penalty: 1.1, max_tool_calls: 3, user: 'u',
      safeguards: { pii: { mode: 'redact' } }, stream_options: { include_usage: true },
    };
    assert.deepEqual(parseCreateParams(structuredClone(body)), body);
    assert.deepEqual(parseCreateParams({ model: 'm', input: 'hi', stop: ['a', 'b', 'c', 'd'] }).stop, ['a', 'b', 'c', 'd']);
  });

  it('treats null as not set for every optional parameter', () => {
    // `input` stays: a body with nothing to answer is refused (tested below).
    const optional = Object.keys(sdkBody()).filter((k) => k !== 'model' && k !== 'input');
    const extras = ['seed', 'stop', 'top_k', 'repetition_penalty', 'reasoning_effort', 'client_metadata', 'safeguards',
      'presence_penalty', 'frequency_penalty'];
    const body: Record<string, unknown> = { model: 'm', input: 'hi' };
    for (const k of [...optional, ...extras]) body[k] = null;
    const parsed = parseCreateParams(body) as unknown as Record<string, unknown>;
    assert.equal(parsed.model, 'm');
    assert.equal(parsed.temperature, null);
    assert.equal('reasoning_effort' in parsed, false, 'the alias is consumed, not passed on');
  });

  it('lets a body without input through (previous_response_id + instructions)', () => {
    const parsed = parseCreateParams({ model: 'm', previous_response_id: 'resp_9', instructions: 'go on' });
    assert.equal(parsed.input, undefined);
    assert.equal(parsed.previous_response_id, 'resp_9');
  });

  it('keeps unknown fields inside items, parts and tools', () => {
    const body = {
      model: 'm',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'hi', cache_control: { type: 'ephemeral' } }], x_new: 1 },
        { type: 'function_call', call_id: 'c', name: 'f', arguments: '{}', provider_data: { sig: 'abc' } },
      ],
      tools: [{ type: 'function', name: 'f', future_flag: true }],
    };
    assert.deepEqual(parseCreateParams(structuredClone(body)), body);
  });

  it('accepts the item shapes without `type`: easy message and bare item reference', () => {
    const body = { model: 'm', input: [{ role: 'system', content: 'be nice' }, { id: 'msg_7' }, { type: null, id: 'msg_8' }] };
    assert.deepEqual(parseCreateParams(structuredClone(body)), body);
  });

  it('accepts every tool_choice form', () => {
    const choices = [
      'none', 'auto', 'required',
      { type: 'function', name: 'f' },
      { type: 'custom', name: 'apply_patch' },
      { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'f' }, { type: 'web_search_preview' }] },
      { type: 'allowed_tools', tools: [{ type: 'function', name: 'f' }] },
      { type: 'web_search_preview' },
      { type: 'file_search' },
      { type: 'mcp', server_label: 'deepwiki', name: 'ask' },
      { type: 'apply_patch' },
      { type: 'shell' },
    ];
    for (const tool_choice of choices) {
      assert.deepEqual(parseCreateParams({ model: 'm', input: 'hi', tool_choice }).tool_choice, tool_choice);
    }
  });
});

describe('parseCreateParams: merging reasoning_effort', () => {
  it('moves top-level reasoning_effort into reasoning.effort, keeping other reasoning fields', () => {
    const parsed = parseCreateParams({ model: 'm', input: 'hi', reasoning_effort: 'high', reasoning: { summary: 'auto' } });
    assert.deepEqual(parsed.reasoning, { summary: 'auto', effort: 'high' });
    assert.equal('reasoning_effort' in parsed, false);
    assert.deepEqual(parseCreateParams({ model: 'm', input: 'hi', reasoning_effort: 'none' }).reasoning, { effort: 'none' });
    assert.deepEqual(parseCreateParams({ model: 'm', input: 'hi', reasoning_effort: 'low', reasoning: null }).reasoning, { effort: 'low' });
  });

  it('accepts the alias and reasoning.effort when they agree', () => {
    const parsed = parseCreateParams({ model: 'm', input: 'hi', reasoning_effort: 'low', reasoning: { effort: 'low' } });
    assert.deepEqual(parsed.reasoning, { effort: 'low' });
  });

  it('rejects the alias when it conflicts with reasoning.effort', () => {
    const err = reject({ model: 'm', reasoning: { effort: 'high' }, reasoning_effort: 'low' });
    assert.equal(err.param, 'reasoning_effort');
    assert.equal(err.code, 'invalid_value');
    assert.match(err.message, /'low' conflicts with 'reasoning\.effort' \('high'\)/);
  });

  it('rejects an unknown effort', () => {
    const err = reject({ model: 'm', input: 'hi', reasoning_effort: 'extreme' });
    assert.equal(err.param, 'reasoning_effort');
    assert.equal(err.code, 'invalid_value');
    assert.match(err.message, /^Invalid 'reasoning_effort': expected one of none, minimal, low, medium, high, xhigh, got 'extreme'\.$/);
  });
});

describe('parseCreateParams: errors', () => {
  it('rejects an unknown top-level parameter by name', () => {
    const err = reject({ model: 'm', input: 'hi', foo: 1 });
    assert.equal(err.param, 'foo');
    assert.equal(err.code, 'unknown_parameter');
    assert.equal(err.message, "Unknown parameter: 'foo'.");
    assert.deepEqual(err.toBody(), {
      error: { message: "Unknown parameter: 'foo'.", type: 'invalid_request_error', param: 'foo', code: 'unknown_parameter' },
    });
  });

  it('rejects an unknown key in the strict config objects (reasoning, text)', () => {
    assert.equal(reject({ model: 'm', reasoning: { effort: 'low', budget: 9 } }).param, 'reasoning.budget');
    assert.equal(reject({ model: 'm', text: { format: { type: 'text', strict: true } } }).param, 'text.format.strict');
  });

  it('points into the content part of a typed message, not at the item', () => {
    const err = reject({
      model: 'm',
      input: [
        { role: 'user', content: 'one' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'two' }] },
        { type: 'message', role: 'user', content: [{ type: 'output_text', text: 'three' }] },
      ],
    });
    assert.equal(err.param, 'input[2].content[0].type');
    assert.equal(err.code, 'invalid_value');
    assert.equal(err.message, "Invalid 'input[2].content[0].type': expected one of input_text, input_image, input_file, got 'output_text'.");
  });

  it('points into a part of an easy message (no `type`) and into function_call_output parts', () => {
    assert.equal(reject({ model: 'm', input: [{ role: 'user', content: [{ type: 'input_text', text: 1 }] }] }).param,
      'input[0].content[0].text');
    const err = reject({ model: 'm', input: [{ type: 'function_call_output', call_id: 'c', output: [{ type: 'input_image' }] }] });
    assert.equal(err.param, 'input[0].output[0]');
    assert.match(err.message, /needs 'image_url' or 'file_id'/);
  });

  it('lists every problem in the message and reports the first one (in body order) as param', () => {
    const err = reject({
      model: 'm',
      temperature: 3,
      input: [{ type: 'function_call', name: 'f', arguments: '{}' }],
      tools: [{ type: 'function', name: 'bad name' }],
      frobnicate: true,
    });
    assert.equal(err.param, 'temperature');
    assert.equal(err.code, 'invalid_value');
    assert.equal(
      err.message,
      "Invalid 'temperature': expected a number <= 2, got 3. " +
        "Missing required parameter: 'input[0].call_id'. " +
        "Invalid 'tools[0].name': expected a string matching /^[a-zA-Z0-9_-]{1,64}$/, got 'bad name'. " +
        "Unknown parameter: 'frobnicate'.",
    );
  });

  const outOfRange: [string, Record<string, unknown>, string, RegExp][] = [
    ['temperature 2.5', { temperature: 2.5 }, 'temperature', /expected a number <= 2, got 2\.5/],
    ['top_p -0.1', { top_p: -0.1 }, 'top_p', /expected a number >= 0, got -0\.1/],
    ['max_output_tokens 0', { max_output_tokens: 0 }, 'max_output_tokens', /expected a number >= 1, got 0/],
    ['stop with 5 entries', { stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop', /expected at most 4 items, got 5/],
    ['user of 201 chars', { user: 'u'.repeat(201) }, 'user', /expected at most 200 characters, got 201/],
    ['service_tier of 65 chars', { service_tier: 's'.repeat(65) }, 'service_tier', /expected at most 64 characters, got 65/],
    ['top_k 0', { top_k: 0 }, 'top_k', /expected a number >= 1/],
    ['repetition_penalty 0', { repetition_penalty: 0 }, 'repetition_penalty', /expected a number > 0/],
    ['top_logprobs 21', { top_logprobs: 21 }, 'top_logprobs', /expected a number <= 20/],
    ['presence_penalty -2.5', { presence_penalty: -2.5 }, 'presence_penalty', /expected a number >= -2/],
    ['truncation', { truncation: 'sometimes' }, 'truncation', /expected one of auto, disabled/],
    ['metadata value too long', { metadata: { k: 'v'.repeat(513) } }, 'metadata.k', /at most 512 characters/],
    ['metadata with 17 keys', { metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) },
      'metadata', /at most 16 keys/],
    ['empty model', { model: '' }, 'model', /expected at least 1 character/],
  ];
  for (const [name, fields, param, message] of outOfRange) {
    it(`rejects ${name} with invalid_value`, () => {
      const err = reject({ model: 'm', ...fields });
      assert.equal(err.param, param);
      assert.equal(err.code, 'invalid_value');
      assert.match(err.message, message);
    });
  }

  const wrongType: [string, Record<string, unknown>, string][] = [
    ['max_output_tokens 1.5', { max_output_tokens: 1.5 }, 'max_output_tokens'],
    ['seed as string', { seed: '7' }, 'seed'],
    ['stream as string', { stream: 'yes' }, 'stream'],
    ['input as number', { input: 5 }, 'input'],
    ['metadata value as number', { metadata: { a: 1 } }, 'metadata.a'],
    ['tool_choice as number', { tool_choice: 1 }, 'tool_choice'],
  ];
  for (const [name, fields, param] of wrongType) {
    it(`rejects ${name} with invalid_type`, () => {
      const err = reject({ model: 'm', ...fields });
      assert.equal(err.param, param);
      assert.equal(err.code, 'invalid_type');
    });
  }

  it('requires model', () => {
    const err = reject({ input: 'hi' });
    assert.equal(err.param, 'model');
    assert.equal(err.code, 'missing_required_parameter');
    assert.equal(err.message, "Missing required parameter: 'model'.");
  });

  it('rejects a body that is not an object, with param null', () => {
    for (const body of [null, [], 'hi', 3]) {
      const err = reject(body);
      assert.equal(err.param, null);
      assert.match(err.message, /^Invalid request body: expected object/);
    }
  });

  it('rejects an unknown tool type at tools[i].type', () => {
    const err = reject({ model: 'm', input: 'hi', tools: [{ type: 'function', name: 'ok' }, { type: 'teleport' }] });
    assert.equal(err.param, 'tools[1].type');
    assert.equal(err.code, 'invalid_value');
    assert.match(err.message, /^Invalid 'tools\[1\]\.type': expected one of function, custom, namespace, web_search, .*got 'teleport'\.$/);
    assert.equal(reject({ model: 'm', tools: [{ name: 'f' }] }).param, 'tools[0].type');
  });

  it('rejects a function tool without a name, also inside a namespace', () => {
    const err = reject({ model: 'm', tools: [{ type: 'function', description: 'no name', parameters: {} }] });
    assert.equal(err.param, 'tools[0].name');
    assert.equal(err.code, 'missing_required_parameter');
    const nested = reject({ model: 'm', tools: [{ type: 'namespace', name: 'ns', tools: [{ type: 'function' }] }] });
    assert.equal(nested.param, 'tools[0].tools[0].name');
  });

  it('rejects a bad custom tool grammar syntax', () => {
    const err = reject({ model: 'm', tools: [{ type: 'custom', name: 'c', format: { type: 'grammar', syntax: 'peg', definition: 'x' } }] });
    assert.equal(err.param, 'tools[0].format.syntax');
  });

  it('rejects bad json_schema text formats', () => {
    const base = { type: 'json_schema', schema: { type: 'object' } };
    const noName = reject({ model: 'm', text: { format: base } });
    assert.equal(noName.param, 'text.format.name');
    assert.equal(noName.code, 'missing_required_parameter');
    assert.equal(reject({ model: 'm', text: { format: { ...base, name: 'has space' } } }).param, 'text.format.name');
    assert.match(reject({ model: 'm', text: { format: { ...base, name: 'n'.repeat(65) } } }).message, /at most 64 characters/);
    const noSchema = reject({ model: 'm', text: { format: { type: 'json_schema', name: 'x' } } });
    assert.equal(noSchema.param, 'text.format.schema');
    assert.equal(reject({ model: 'm', text: { format: { ...base, name: 'x', schema: 'object' } } }).param, 'text.format.schema');
    assert.equal(reject({ model: 'm', text: { format: { type: 'xml' } } }).param, 'text.format.type');
  });

  it('rejects bad tool_choice objects precisely', () => {
    const missingName = reject({ model: 'm', tool_choice: { type: 'function' } });
    assert.equal(missingName.param, 'tool_choice.name');
    assert.equal(missingName.code, 'missing_required_parameter');
    const badString = reject({ model: 'm', tool_choice: 'always' });
    assert.equal(badString.param, 'tool_choice');
    assert.match(badString.message, /expected one of none, auto, required, got 'always'/);
    assert.equal(reject({ model: 'm', tool_choice: { type: 'allowed_tools', mode: 'any', tools: [] } }).param, 'tool_choice.mode');
  });

  it('rejects items that are wrong, at the offending field', () => {
    const cases: [unknown, string][] = [
      [{ type: 'message', content: 'no role' }, 'input[0].role'],
      [{ role: 'tool', content: 'x' }, 'input[0].role'],
      [{ content: 'neither type nor role' }, 'input[0]'],
      [{ type: 'hologram' }, 'input[0].type'],
      [{ type: 'reasoning', summary: [{ type: 'summary_text' }] }, 'input[0].summary[0].text'],
      [{ type: 'function_call_output', call_id: 'c', output: 42 }, 'input[0].output'],
      [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'x' }], phase: 'draft' }, 'input[0].phase'],
      [{ type: 'compaction' }, 'input[0].encrypted_content'],
    ];
    for (const [item, param] of cases) {
      assert.equal(reject({ model: 'm', input: [item] }).param, param, JSON.stringify(item));
    }
  });

  it('caps the listed problems but still reports the first', () => {
    const input = Array.from({ length: 50 }, () => ({ type: 'function_call' }));
    const err = reject({ model: 'm', input });
    assert.equal(err.param, 'input[0].call_id');
    assert.match(err.message, /more problems not shown\.\)$/);
  });
});
