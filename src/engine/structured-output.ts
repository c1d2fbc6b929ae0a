/**
 * Structured outputs, checked on every provider: the final message text of a response whose `text.format` is
 * `json_schema` (or `json_object`) must parse and validate, whatever the vendor promised. Schemas are compiled
 * once, at validation (api/json-schema-compiler.ts), which refused any that cannot compile.
 */
import type { ValidateFunction } from 'ajv';
import type { TextFormat } from '../api/create-params.js';
import type { Item } from '../api/items.js';
import { compileOutputSchema } from '../api/json-schema-compiler.js';

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
    validate = compileOutputSchema(format.schema);
  } catch (err) {
    // Validation refused schemas that cannot compile; should one slip through, report it rather than crash.
    return { ok: false, errors: `the schema could not be compiled (${err instanceof Error ? err.message : String(err)})` };
  }
  if (validate(value)) return { ok: true };
  const errors = (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`);
  return { ok: false, errors: errors.join('; ') };
}

/** The message asking the model to correct itself, appended after its invalid answer. */
export function repairPrompt(errors: string): string {
  return `Your previous answer does not match the required JSON format: ${errors}. ` +
    'Reply again with only the corrected JSON, with no other text.';
}
