/**
 * Compiling the JSON Schemas clients send (`text.format.schema`, tool `parameters`) with ajv, once per distinct
 * schema. Validation compiles them, so a schema that cannot compile is a 400 before anything is stored or sent;
 * the structured-output check then reuses the compiled validator.
 *
 * Permissive on purpose: real clients' schemas carry keywords ajv's strict mode refuses (unknown formats and
 * keywords, `$schema` of another draft, `additionalProperties` beside `anyOf`…) and vendors take them. Only a
 * schema ajv cannot compile at all fails: a type that is no JSON type, a keyword value of the wrong shape, a
 * `$ref` that resolves nowhere, a pattern that is no regular expression.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Options, ValidateFunction } from 'ajv';

// ajv and ajv-formats are CommonJS; their ESM typings do not survive NodeNext interop, so load them plainly.
const require = createRequire(import.meta.url);
const Ajv = require('ajv') as typeof import('ajv').default;
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;

type AjvInstance = InstanceType<typeof Ajv>;

/**
 * One ajv per use, replaced after this many compiles: ajv remembers every `$id` a compiled schema declares
 * (even after `removeSchema`, for nested ones), and schemas come from clients, so nothing may grow unbounded.
 */
const COMPILES_PER_INSTANCE = 256;

class Compiler {
  private ajv: AjvInstance | null = null;
  private compiles = 0;
  constructor(private readonly options: Options, private readonly withFormats: boolean) {}

  compile(schema: Record<string, unknown>): ValidateFunction {
    if (!this.ajv || this.compiles >= COMPILES_PER_INSTANCE) {
      this.ajv = new Ajv(this.options);
      if (this.withFormats) addFormats(this.ajv);
      this.compiles = 0;
    }
    this.compiles++;
    try {
      return this.ajv.compile(schema);
    } finally {
      // Two clients may use the same root `$id` for different schemas: neither may see the other's.
      this.ajv.removeSchema(schema);
    }
  }
}

const common: Options = { strict: false, validateSchema: false, logger: false };
/** Structured outputs: the validator checks the model's answer, so formats count and every error is listed. */
const outputs = new Compiler({ ...common, allErrors: true }, true);
/**
 * Tool parameters are only checked, never used to validate: no formats, and patterns compiled without the `u`
 * flag, so a pattern written for another regex dialect that JavaScript still accepts is not refused.
 */
const tools = new Compiler({ ...common, unicodeRegExp: false }, false);

const CACHE_LIMIT = 512;
const validators = new Map<string, ValidateFunction>();
const goodToolSchemas = new Map<string, true>();

/** A structured-output validator for `schema`, compiled once per distinct schema. Throws when it cannot compile. */
export function compileOutputSchema(schema: Record<string, unknown>): ValidateFunction {
  const key = keyOf(schema);
  const cached = validators.get(key);
  if (cached) return cached;
  const v = outputs.compile(schema);
  remember(validators, key, v);
  return v;
}

/** Throws when a tool's `parameters` cannot compile; a schema seen before is not compiled again. */
export function checkToolSchema(schema: Record<string, unknown>): void {
  const text = JSON.stringify(schema);
  const key = hash(text);
  if (goodToolSchemas.has(key)) return;
  // OpenAPI's `nullable` (beside `anyOf`, say) is common in tool schemas and vendors take it; ajv gives it
  // OpenAPI's meaning and refuses it without a `type`. Checked without it, it is an unknown keyword as in JSON Schema.
  tools.compile(JSON.parse(text, (k, v) => (k === 'nullable' && typeof v === 'boolean' ? undefined : v)));
  remember(goodToolSchemas, key, true);
}

function keyOf(schema: Record<string, unknown>): string {
  return hash(JSON.stringify(schema));
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
}
