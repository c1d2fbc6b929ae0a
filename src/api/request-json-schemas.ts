/**
 * The JSON Schemas inside a request must compile: `text.format.schema` (Switchboard validates the answer with
 * it, so a broken one used to cost two upstream calls and end in 502 `structured_output_invalid`) and every
 * function tool's `parameters` (OpenAI refuses a broken one with `invalid_function_parameters`; other vendors
 * fail in their own ways). Runs at validation, after the depth bound (json-depth.ts), before anything is
 * stored or sent.
 */
import type { CreateParams } from './create-params.js';
import { ApiError } from './errors.js';
import { checkToolSchema, compileOutputSchema } from './json-schema-compiler.js';

export function checkRequestSchemas(params: Pick<CreateParams, 'text' | 'tools'>): void {
  const format = params.text?.format;
  if (format && format.type === 'json_schema') {
    const why = compileError(() => compileOutputSchema(format.schema));
    if (why) {
      throw new ApiError(400, `Invalid schema for response_format '${format.name}': ${why}.`, {
        type: 'invalid_request_error', param: 'text.format.schema', code: 'invalid_json_schema',
      });
    }
  }
  (params.tools ?? []).forEach((tool, i) => {
    if (tool.type === 'function') checkFunction(tool, `tools[${i}]`);
    else if (tool.type === 'namespace' && Array.isArray(tool.tools)) {
      (tool.tools as Record<string, unknown>[]).forEach((inner, j) => {
        if (inner.type === 'function') checkFunction(inner, `tools[${i}].tools[${j}]`);
      });
    }
  });
}

function checkFunction(tool: Record<string, unknown>, path: string): void {
  const schema = tool.parameters;
  if (schema === null || schema === undefined) return;
  const why = compileError(() => checkToolSchema(schema as Record<string, unknown>));
  if (why) {
    throw new ApiError(400, `Invalid schema for function '${String(tool.name)}': ${why}.`, {
      type: 'invalid_request_error', param: `${path}.parameters`, code: 'invalid_function_parameters',
    });
  }
}

function compileError(compile: () => unknown): string | null {
  try {
    compile();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
