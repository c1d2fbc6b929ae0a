/**
 * Validates the body of `POST /v1/responses/input_tokens` (`InputTokenCountParams` in the openai SDK): the
 * create-request fields that shape the model's input, with the same types, the same item / tool schemas and
 * the same error envelope and `param` paths as create (create-request-schema.ts). Top level is strict: a
 * create-only field (stream, store, temperature, max_output_tokens…) is a 400 `unknown_parameter`, as OpenAI
 * answers. `model` is required here (OpenAI defaults it; Switchboard must know where to route).
 */
import { z } from 'zod';
import type { CreateParams } from './create-params.js';
import { requestSchema } from './create-request-schema.js';
import { checkJsonDepth } from './json-depth.js';
import { checkRequestSchemas } from './request-json-schemas.js';
import { describeIssue, toValidationError } from './validation-error.js';

// The create request's own field schemas (strict, like create): one definition of each field.
const inputTokensSchema = requestSchema.pick({
  model: true, input: true, instructions: true, previous_response_id: true, conversation: true, tools: true,
  tool_choice: true, parallel_tool_calls: true, reasoning: true, text: true, truncation: true,
});

/** The count request: a subset of CreateParams, so the create path's history assembly and adapters take it as is. */
export type InputTokensParams = Pick<CreateParams,
  'model' | 'input' | 'instructions' | 'previous_response_id' | 'conversation' | 'tools' | 'tool_choice' |
  'parallel_tool_calls' | 'reasoning' | 'text' | 'truncation'>;

const PARSE_OPTIONS = { error: describeIssue };

/** Throws `ApiError` 400 (`invalid_request_error`) listing every problem, exactly as create does. */
export function parseInputTokensParams(body: unknown): InputTokensParams {
  checkJsonDepth(body);
  const result = inputTokensSchema.safeParse(body, PARSE_OPTIONS);
  if (!result.success) throw toValidationError(result.error.issues, body);
  checkRequestSchemas(result.data as InputTokensParams);
  return result.data as InputTokensParams;
}
