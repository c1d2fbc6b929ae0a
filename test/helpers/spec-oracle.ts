/**
 * The test oracle: the Open Responses specification (/work/shared/spec, copied into test/spec/) decides whether
 * a Response object or a streamed event is right. Rules:
 *
 * 1. The schemas are the spec's `components.schemas`, compiled with ajv as JSON Schema 2020-12 (OpenAPI 3.1's
 *    dialect), `$ref: #/components/schemas/…` resolved inside the document, `discriminator` honoured (ajv's
 *    `discriminator` option: a wrong `type` is reported against its own branch, not against every branch).
 *    A Response is checked against `ResponseResource`; an event against the union the spec gives for the
 *    `text/event-stream` answer of `POST /responses`. Fields the spec lists as required are required even when
 *    their value may be null; extra fields are allowed (the spec's "Extending existing schemas").
 * 2. Every type the spec defines is held to the spec's schema, strictly. The spec's unions are closed only
 *    by `type`: an item (`ItemField`), tool (`Tool`), annotation (`Annotation`), `tool_choice` object or event
 *    whose `type` the spec does not define is an extension, which the prose allows ("Extending Open
 *    Responses"). Such a value is checked for what the prose requires of every extension: an item has `id`,
 *    `type` and `status` strings ("Required item fields"), an event has `type` and an integer
 *    `sequence_number` ("Required fields for extended streaming events"), a tool / annotation / tool_choice is
 *    an object with a string `type`; and, when the `openai` package's types define that type (OpenAI's
 *    `custom_tool_call`, `web_search_call`, `namespace` / `custom` / `web_search` tools, `file_citation`,
 *    `response.reasoning_text.delta`, `response.web_search_call.searching`…), for every field those types
 *    require, with its JSON kind where the declared type is plain (openai-shapes.ts). The prose's rule that
 *    extension types carry an implementor prefix (`openai:web_search_call`) is not applied: Switchboard serves
 *    OpenAI's wire names, which is what OpenAI clients parse.
 * 3. Stream rules from the prose (checked by spec-checked-fetch.ts): the SSE `event:` name equals the data's
 *    `type`, `sequence_number` increases, and the stream ends with the literal `[DONE]`.
 * 4. Errata: where the spec file contradicts itself, the oracle follows the reading the spec's own text gives,
 *    and only there (SPEC_ERRATA below, each with its reason). Nothing else is loosened.
 *
 * `stats` counts what was validated, so a suite can prove the wiring did not silently validate nothing
 * (`ORACLE_DEBUG=1` prints the counts when a test process exits).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { openaiShape, type ShapeKind } from './openai-shapes.js';

const require = createRequire(import.meta.url);
// ajv is CommonJS; its ESM typings do not survive NodeNext interop (as in src/engine/structured-output.ts).
const Ajv2020 = require('ajv/dist/2020') as typeof import('ajv/dist/2020.js').default;
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;

export const SPEC_PATH = new URL('../spec/openresponses-openapi-2026-04-24.json', import.meta.url);

type Json = any;

/**
 * Where the spec file contradicts its own text, the text wins. Each entry: the schema path, what it says, why
 * that is a defect, and the fix.
 */
const SPEC_ERRATA: { path: string; why: string; fix: (schemas: Record<string, Json>) => void }[] = [
  {
    path: 'JsonSchemaResponseFormat.properties.schema',
    why: 'the file allows only null (`anyOf: [{type: null}]`), i.e. no json_schema format could ever carry its '
      + 'schema; the spec\'s source (openresponses/openresponses schema/components/schemas/'
      + 'JsonSchemaResponseFormat.json) has `object | null`',
    fix: (s) => { s.JsonSchemaResponseFormat.properties.schema = { anyOf: [{ type: 'object' }, { type: 'null' }] }; },
  },
  {
    path: 'ReasoningEffortEnum.enum',
    why: 'the enum omits `minimal` while the same schema\'s x-enumDescriptions describes it ("Use the lowest '
      + 'non-zero reasoning effort"); OpenAI echoes `minimal` when it was asked for',
    fix: (s) => { s.ReasoningEffortEnum.enum = [...s.ReasoningEffortEnum.enum, 'minimal']; },
  },
];

/** Spec-defined unions that extension types may join: schema name → the kind of extension it takes. */
const OPEN_UNIONS: Record<string, ShapeKind> = { ItemField: 'item', Tool: 'tool', Annotation: 'annotation' };
const EVENT_UNION = 'OracleStreamingEvent';
const EXTENSION_KEYWORD = 'x-oracle-extension';

export const stats = { responses: 0, events: 0 };
if (process.env.ORACLE_DEBUG) process.on('exit', () => console.error('ORACLE', JSON.stringify(stats)));

export interface OracleResult { ok: boolean; errors: string[] }

let validators: { response: ValidateFunction; event: ValidateFunction } | null = null;

function compile(): { response: ValidateFunction; event: ValidateFunction } {
  const doc = JSON.parse(readFileSync(SPEC_PATH, 'utf8'));
  const schemas = doc.components.schemas as Record<string, Json>;
  for (const e of SPEC_ERRATA) e.fix(schemas);

  // The event union lives under paths; give it a name beside the others so it can be patched and referenced.
  schemas[EVENT_UNION] = doc.paths['/responses'].post.responses['200'].content['text/event-stream'].schema;
  for (const [name, kind] of Object.entries({ ...OPEN_UNIONS, [EVENT_UNION]: 'event' as ShapeKind })) {
    schemas[name] = openByType(schemas[name], kind, schemas);
  }
  // tool_choice is a plain oneOf of a string enum and objects; an object of another type is an extension.
  const rr = schemas.ResponseResource;
  const specChoiceTypes = ['FunctionToolChoice', 'AllowedToolChoice'].map((n) => schemas[n].properties.type.enum[0]);
  rr.properties.tool_choice = {
    if: { type: 'object', required: ['type'], properties: { type: { enum: specChoiceTypes } } },
    then: rr.properties.tool_choice,
    else: { anyOf: [{ $ref: '#/components/schemas/ToolChoiceValueEnum' }, { type: 'object', [EXTENSION_KEYWORD]: 'tool_choice' }] },
  };

  const ajv = new Ajv2020({ strict: false, allErrors: true, discriminator: true, validateSchema: false });
  addFormats(ajv);
  ajv.addKeyword({ keyword: EXTENSION_KEYWORD, schemaType: 'string', errors: true, validate: checkExtension });
  ajv.addSchema({ ...doc, $id: 'openresponses' });
  return {
    response: ajv.compile({ $ref: 'openresponses#/components/schemas/ResponseResource' }),
    event: ajv.compile({ $ref: `openresponses#/components/schemas/${EVENT_UNION}` }),
  };
}

/** A discriminated oneOf, applied when `type` is one the spec defines; an extension check otherwise. */
function openByType(union: Json, kind: ShapeKind, schemas: Record<string, Json>): Json {
  const types = (union.oneOf as Json[]).map((s) => {
    const target = schemas[String(s.$ref).split('/').pop()!];
    return target.properties.type.enum[0] as string;
  });
  return {
    description: union.description,
    if: { type: 'object', required: ['type'], properties: { type: { enum: types } } },
    then: union,
    else: { [EXTENSION_KEYWORD]: kind },
  };
}

function checkExtension(kind: string, data: Json, _parent?: Json, cxt?: { instancePath: string }): boolean {
  const problems = extensionProblems(kind as ShapeKind, data);
  (checkExtension as { errors?: Partial<ErrorObject>[] }).errors = problems.map((message) =>
    ({ keyword: EXTENSION_KEYWORD, instancePath: cxt?.instancePath ?? '', message, params: { kind } }));
  return problems.length === 0;
}

function extensionProblems(kind: ShapeKind, data: Json): string[] {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return [`${kind} must be an object`];
  const problems: string[] = [];
  if (typeof data.type !== 'string') return [`${kind} must have a string \`type\``];
  const what = `${kind} of extension type '${data.type}'`;
  if (kind === 'item') {
    for (const f of ['id', 'type', 'status']) {
      if (typeof data[f] !== 'string') problems.push(`${what} must have a string \`${f}\` (spec: Required item fields)`);
    }
  }
  if (kind === 'event' && !Number.isInteger(data.sequence_number)) {
    problems.push(`${what} must have an integer \`sequence_number\` (spec: Required fields for extended streaming events)`);
  }
  const shape = openaiShape(kind, data.type);
  for (const f of shape?.fields ?? []) {
    if (!(f.name in data)) { problems.push(`${what} must have \`${f.name}\` (openai ${shape!.interfaceName})`); continue; }
    if (f.kinds && !f.kinds.includes(jsonKind(data[f.name]))) {
      problems.push(`${what}: \`${f.name}\` must be ${f.kinds.join(' | ')}, is ${jsonKind(data[f.name])} (openai ${shape!.interfaceName})`);
    }
  }
  return problems;
}

function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function run(which: 'response' | 'event', value: Json): OracleResult {
  validators ??= compile();
  const v = validators[which];
  if (v(value)) return { ok: true, errors: [] };
  return { ok: false, errors: readable(v.errors ?? []).map(formatError) };
}

// ajv reports each failing wrapper too (if/then, the anyOf of a nullable field, the null branch): noise
// when a precise error exists, so those are shown only when nothing more precise is there.
function readable(errors: ErrorObject[]): ErrorObject[] {
  const wrapper = (e: ErrorObject) => e.keyword === 'if' || e.keyword === 'anyOf' || e.keyword === 'oneOf'
    || (e.keyword === 'type' && (e.params as { type?: string }).type === 'null');
  const precise = errors.filter((e) => !wrapper(e));
  return precise.length ? precise : errors;
}

function formatError(e: ErrorObject): string {
  const params = e.keyword === EXTENSION_KEYWORD ? '' : ` ${JSON.stringify(e.params)}`;
  return `${e.instancePath || '/'} ${e.message ?? e.keyword}${params}`;
}

/** Validates a Response object (a JSON answer of POST / GET /responses, or the `response` of an event). */
export function validateResponse(value: Json): OracleResult {
  stats.responses++;
  return run('response', value);
}

/** Validates one streamed event (the parsed `data` of an SSE frame other than `[DONE]`). */
export function validateEvent(value: Json): OracleResult {
  stats.events++;
  const r = run('event', value);
  // The Response inside lifecycle events is a Response like any other; count it as one.
  if (value && typeof value === 'object' && value.response && typeof value.response === 'object') stats.responses++;
  return r;
}

/** An Error naming what failed, the ajv errors and the offending JSON (cut to a readable length). */
export class SpecViolation extends Error {
  constructor(what: string, errors: string[], value: unknown) {
    const json = JSON.stringify(value);
    super(`Open Responses spec violation in ${what}:\n  ${errors.join('\n  ')}\n${json.length > 6000 ? `${json.slice(0, 6000)}…` : json}`);
    this.name = 'SpecViolation';
  }
}

export function assertResponse(value: Json, what = 'Response'): void {
  const r = validateResponse(value);
  if (!r.ok) throw new SpecViolation(what, r.errors, value);
}

export function assertEvent(value: Json, what = 'event'): void {
  const r = validateEvent(value);
  if (!r.ok) throw new SpecViolation(`${what} ${value?.type ?? ''}`.trim(), r.errors, value);
}
