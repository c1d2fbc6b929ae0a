/**
 * Structured outputs, checked on every provider: the final message text of a response whose `text.format` is
 * `json_schema` (or `json_object`) must parse and validate, whatever the vendor promised. Schemas are compiled
 * once (ajv) and cached by their JSON text.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import type { TextFormat } from '../api/create-params.js';
import type { Item } from '../api/items.js';

// ajv and ajv-formats are CommonJS; their ESM typings do not survive NodeNext interop, so load them plainly.
const require = createRequire(import.meta.url);
const Ajv = require('ajv') as typeof import('ajv').default;
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;

const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
addFormats(ajv);

const CACHE_LIMIT = 512;
const compiled = new Map<string, ValidateFunction>();

export type StructuredCheck = { ok: true } | { ok: false; errors: string };

/** Whether this format asks for JSON at all. */
export function wantsJson(format: TextFormat | undefined | null): format is Extract<TextFormat, { type: 'json_schema' | 'json_object' }> {
  return !!format && (format.type === 'json_schema' || format.type === 'json_object');
}

/** The text the client will read as the answer: the output_text of the last assistant message. */
export function finalText(items: Item[]): string | null {
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i];
    if (it.type !== 'message') continue;
    const parts = (it.content as { type: string; text?: string }[]).filter((p) => p.type === 'output_text');
    if (!parts.length) return null; // a refusal is a legitimate answer, not a malformed one
    return parts.map((p) => p.text ?? '').join('');
  }
  return null;
}

export function checkStructuredOutput(format: Extract<TextFormat, { type: 'json_schema' | 'json_object' }>, text: string): StructuredCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, errors: `the output is not valid JSON (${err instanceof Error ? err.message : 'parse error'})` };
  }
  if (format.type === 'json_object') {
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? { ok: true }
      : { ok: false, errors: 'the output is JSON but not a JSON object' };
  }
  let validate: ValidateFunction;
  try {
    validate = validatorFor(format.schema);
  } catch (err) {
    // An uncompilable schema is the client's problem, but it was accepted upstream: report it, don't crash.
    return { ok: false, errors: `the schema could not be compiled (${err instanceof Error ? err.message : String(err)})` };
  }
  if (validate(value)) return { ok: true };
  const errors = (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`);
  return { ok: false, errors: errors.join('; ') };
}

function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  const key = createHash('sha256').update(JSON.stringify(schema)).digest('base64');
  const cached = compiled.get(key);
  if (cached) return cached;
  const v = ajv.compile(schema);
  if (compiled.size >= CACHE_LIMIT) compiled.delete(compiled.keys().next().value!);
  compiled.set(key, v);
  return v;
}

/** The message asking the model to correct itself, appended after its invalid answer. */
export function repairPrompt(errors: string): string {
  return `Your previous answer does not match the required JSON format: ${errors}. ` +
    'Reply again with only the corrected JSON, with no other text.';
}
