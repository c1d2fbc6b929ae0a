/**
 * Client mistakes that used to pass validation and fail later (a 5xx, an empty or doubled upstream call): each
 * must be a 400 naming the field, with nothing stored and nothing sent upstream.
 * - no `input` and nothing to continue from;
 * - nesting too deep (src/api/json-depth.ts): an input ~6000 levels deep with a 4 MiB string, tool parameters
 *   5000 levels deep, `text.format.schema`, `client_metadata`;
 * - model strings that are Object.prototype's keys (`constructor`, `__proto__`…), on create and input_tokens;
 * - JSON Schemas that cannot compile, in `text.format` and in function tools (src/api/request-json-schemas.ts),
 *   while the schemas real clients send still pass.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { startSwitchboard, type TestServer } from '../helpers/switchboard.js';
import { MAX_JSON_DEPTH } from '../../src/api/json-depth.js';

let chat: FakeUpstream;
let sb: TestServer;

before(async () => {
  chat = await startFakeChatCompletions();
  sb = await startSwitchboard({
    providers: [{ name: 'chat', kind: 'openai-chat', base_url: chat.baseUrl, retry: { max: 0 } }],
    models: { fast: 'chat/m', valueOf: 'chat/m2' },
  });
});
after(async () => { await sb.close(); await chat.close(); });

async function storedCount(): Promise<number> {
  const row = await sb.db.selectFrom('responses').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Posts `body` (an object, or JSON text for bodies too deep for JSON.stringify) and expects a 400 naming
 * `param`, with nothing stored and nothing sent upstream. Returns the error.
 */
async function refused(path: string, body: unknown, param: string | RegExp, code?: string) {
  const sentBefore = chat.received.length;
  const storedBefore = await storedCount();
  const res = await sb.post(path, body);
  const text = await res.text();
  assert.equal(res.status, 400, text.slice(0, 500));
  const { error } = JSON.parse(text);
  assert.deepEqual(Object.keys(error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(error.type, 'invalid_request_error');
  if (typeof param === 'string') assert.equal(error.param, param);
  else assert.match(error.param, param);
  if (code) assert.equal(error.code, code);
  assert.equal(chat.received.length, sentBefore, 'nothing was sent upstream');
  assert.equal(await storedCount(), storedBefore, 'nothing was stored');
  return error;
}

const ROUTES = ['/v1/responses', '/v1/responses/input_tokens'];

describe('a create with nothing to answer', () => {
  for (const [name, body] of [
    ['no input', { model: 'chat/m' }],
    ['input: null', { model: 'chat/m', input: null }],
    ['input: []', { model: 'chat/m', input: [] }],
    ['instructions only', { model: 'chat/m', instructions: 'Be brief.', input: [] }],
    ['streamed', { model: 'chat/m', stream: true }],
  ] as const) {
    test(`${name} → 400 at input`, async () => {
      const e = await refused('/v1/responses', body, 'input', 'missing_required_parameter');
      assert.match(e.message, /input/);
    });
  }

  test('no input with a previous_response_id is a continuation, not this error', async () => {
    const r = await (await sb.post('/v1/responses', { model: 'chat/m', input: 'hello' })).json() as any;
    const res = await sb.post('/v1/responses', { model: 'chat/m', previous_response_id: r.id });
    assert.equal(res.status, 200, await res.clone().text());
  });
});

/** JSON text of `depth` arrays inside one another. */
const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
/** JSON text of a JSON Schema whose properties nest `depth` levels (2 JSON levels each). */
const nestedSchema = (depth: number) => `${'{"type":"object","properties":{"a":'.repeat(depth)}{"type":"string"}${'}}'.repeat(depth)}`;

describe('nesting depth is bounded at validation', () => {
  test('an input ~6000 levels deep beside a 4 MiB string → 400 naming where it gets too deep', async () => {
    const big = 'x'.repeat(4 * 1024 * 1024);
    const body = `{"model":"chat/m","input":[{"role":"user","content":[{"type":"input_text","text":"${big}","x_nested":${nestedArrays(6000)}}]}]}`;
    for (const path of ROUTES) {
      const e = await refused(path, body, /^input\[0\]\.content\[0\]\.x_nested(\[0\])+$/, 'invalid_value');
      // body → input → item → content → part → x_nested: the first array past the bound.
      assert.equal(e.param, `input[0].content[0].x_nested${'[0]'.repeat(MAX_JSON_DEPTH - 5)}`);
      assert.match(e.message, new RegExp(`deeper than ${MAX_JSON_DEPTH} levels`));
    }
  });

  test('a function_call_output whose output nests 6000 levels deep → 400', async () => {
    const body = `{"model":"chat/m","input":[{"type":"function_call_output","call_id":"c1","output":[{"type":"input_text","text":"ok","extra":${nestedArrays(6000)}}]}]}`;
    await refused('/v1/responses', body, /^input\[0\]\.output\[0\]\.extra(\[0\])+$/);
  });

  test('tools[0].parameters nested 5000 deep → 400 naming tools[0].parameters', async () => {
    const body = `{"model":"chat/m","input":"hi","tools":[{"type":"function","name":"f","parameters":${nestedSchema(5000)}}]}`;
    for (const path of ROUTES) await refused(path, body, /^tools\[0\]\.parameters(\.properties\.a)+/);
  });

  test('text.format.schema and client_metadata are bounded too', async () => {
    await refused('/v1/responses',
      `{"model":"chat/m","input":"hi","text":{"format":{"type":"json_schema","name":"deep","schema":${nestedSchema(3000)}}}}`,
      /^text\.format\.schema(\.properties\.a)+/);
    await refused('/v1/responses', `{"model":"chat/m","input":"hi","client_metadata":{"x":${nestedArrays(500)}}}`, /^client_metadata\.x(\[0\])+$/);
    await refused('/v1/responses', `{"model":"chat/m","input":"hi","metadata":{"x":${nestedArrays(500)}}}`, /^metadata\.x(\[0\])+$/);
  });

  test('a tool schema nested as deeply as real clients nest them is served', async () => {
    // 40 nested properties: JSON depth 4 + 2 × 40 + 1, within the bound.
    const body = `{"model":"chat/m","input":"hi","tools":[{"type":"function","name":"f","parameters":${nestedSchema(40)}}]}`;
    const res = await sb.post('/v1/responses', body);
    assert.equal(res.status, 200, (await res.text()).slice(0, 300));
    assert.equal(chat.received.at(-1)!.body.tools[0].function.name, 'f');
  });
});

describe("model strings that are Object.prototype's keys", () => {
  const names = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'provider/constructor', 'constructor/x', '__proto__/m'];
  for (const path of ROUTES) {
    for (const model of names) {
      // `valueOf` is a configured alias here: it must route, not fail.
      if (model === 'valueOf') continue;
      test(`${path}: model '${model}' → 400 model_not_found`, async () => {
        const e = await refused(path, { model, input: 'hi' }, 'model', 'model_not_found');
        assert.match(e.message, /does not exist/);
      });
    }
    test(`${path}: an alias named valueOf routes to its target`, async () => {
      const res = await sb.post(path, { model: 'valueOf', input: 'hi' });
      assert.equal(res.status, 200, await res.clone().text());
      if (path === '/v1/responses') assert.equal(((await res.json()) as any).model, 'chat/m2');
    });
  }
});

describe('JSON Schemas that cannot compile are a 400 before anything is sent', () => {
  const broken: [string, Record<string, unknown>][] = [
    ['a type that is no JSON type', { type: 'bogus' }],
    ['a $ref to nothing', { type: 'object', properties: { a: { $ref: '#/nope' } } }],
    ['properties that is not an object', { type: 'object', properties: 5 }],
    ['required that is not an array', { type: 'object', required: 'a' }],
    ['a pattern that is no regular expression', { type: 'string', pattern: '(' }],
  ];
  for (const [name, schema] of broken) {
    test(`text.format json_schema with ${name} → 400 at text.format.schema`, async () => {
      const body = { model: 'chat/m', input: 'hi', text: { format: { type: 'json_schema', name: 'out', schema, strict: true } } };
      for (const path of ROUTES) {
        const e = await refused(path, body, 'text.format.schema', 'invalid_json_schema');
        assert.match(e.message, /Invalid schema for response_format 'out'/);
      }
    });
    test(`a function tool with ${name} → 400 at its parameters`, async () => {
      const tools = [{ type: 'function', name: 'ok', parameters: { type: 'object', properties: {} } }, { type: 'function', name: 'bad', parameters: schema }];
      for (const path of ROUTES) {
        const e = await refused(path, { model: 'chat/m', input: 'hi', tools }, 'tools[1].parameters', 'invalid_function_parameters');
        assert.match(e.message, /Invalid schema for function 'bad'/);
      }
      const namespaced = [{ type: 'namespace', name: 'mcp__x', tools: [{ type: 'function', name: 'bad', parameters: schema }] }];
      await refused('/v1/responses', { model: 'chat/m', input: 'hi', tools: namespaced }, 'tools[0].tools[0].parameters', 'invalid_function_parameters');
    });
  }

  test('schemas real clients send, which ajv strict mode would refuse, are served', async () => {
    const lenient: Record<string, unknown>[] = [
      { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { when: { type: 'string', format: 'date-time' } } },
      { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { u: { type: 'string', format: 'made-up-format' } }, additionalProperties: false },
      { type: 'object', properties: { v: { anyOf: [{ type: 'string' }, { type: 'null' }], nullable: true, 'x-order': 1 } }, additionalProperties: false, required: ['v'] },
      { type: 'object', properties: { id: { type: 'string', pattern: '^\\_[a-z]+$' } } }, // valid JS, invalid with the `u` flag
      { type: 'object', $defs: { node: { type: 'object', properties: { next: { $ref: '#/$defs/node' } } } }, properties: { head: { $ref: '#/$defs/node' } } },
      { $id: 'https://example.com/tool.json', type: 'object', properties: { a: { type: 'integer' } } },
      { $id: 'https://example.com/tool.json', type: 'object', properties: { b: { type: 'integer' } } }, // same $id, other schema
    ];
    for (const [i, parameters] of lenient.entries()) {
      const res = await sb.post('/v1/responses', { model: 'chat/m', input: 'hi', tools: [{ type: 'function', name: `t${i}`, parameters }] });
      assert.equal(res.status, 200, `schema ${i}: ${await res.text()}`);
    }
  });

  test('a structured-output schema compiled at validation is the one the answer is checked with', async () => {
    const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'], additionalProperties: false };
    const body = { model: 'chat/m', input: 'count', text: { format: { type: 'json_schema', name: 'count', schema } } };
    chat.enqueue({ kind: 'reply', text: '{"n": 3}' });
    const ok = await (await sb.post('/v1/responses', body)).json() as any;
    assert.equal(ok.status, 'completed');
    // An answer the schema refuses is repaired once, then fails: the check runs with the compiled schema.
    const before = chat.received.length;
    chat.enqueue({ kind: 'reply', text: '{"n": "three"}' }, { kind: 'reply', text: '{"n": 3.5}' });
    const res = await sb.post('/v1/responses', body);
    assert.equal(res.status, 502);
    assert.equal(((await res.json()) as any).error.code, 'structured_output_invalid');
    assert.equal(chat.received.length, before + 2);
  });
});
