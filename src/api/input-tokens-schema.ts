/**
 * Validates the body of `POST /v1/responses/input_tokens` (`InputTokenCountParams` in the openai SDK): the
 * create-request fields that shape the model's input, with the same types, the same item / tool schemas and
 * the same error envelope and `param` paths as create (create-request-schema.ts). Top level is strict: a
 * create-only field (stream, store, temperature, max_output_tokens…) is a 400 `unknown_parameter`, as OpenAI
 * answers. `model` is required here (OpenAI defaults it; Switchboard must know where to route).
 */
import { z } from 'zod';
import type { CreateParams } from './create-params.js';
import { effort, summary, textFormat } from './create-request-schema.js';
import { inputSchema } from './item-schemas.js';
import { toolChoiceSchema, toolSchema } from './tool-schemas.js';
import { describeIssue, toValidationError } from './validation-error.js';

const optString = z.string().nullish();

const inputTokensSchema = z.strictObject({
  model: z.string().min(1),
  input: inputSchema.nullish(),
  instructions: optString,
  previous_response_id: optString,
  conversation: z.union([z.string(), z.looseObject({ id: z.string() })]).nullish(),
  tools: z.array(toolSchema).nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  reasoning: z
    .strictObject({ effort: effort.nullish(), summary: summary.nullish(), generate_summary: summary.nullish() })
    .nullish(),
  text: z
    .strictObject({ format: textFormat.nullish(), verbosity: z.enum(['low', 'medium', 'high']).nullish() })
    .nullish(),
  truncation: z.enum(['auto', 'disabled']).nullish(),
});

/** The count request: a subset of CreateParams, so the create path's history assembly and adapters take it as is. */
export type InputTokensParams = Pick<CreateParams,
  'model' | 'input' | 'instructions' | 'previous_response_id' | 'conversation' | 'tools' | 'tool_choice' |
  'parallel_tool_calls' | 'reasoning' | 'text' | 'truncation'>;

const PARSE_OPTIONS = { error: describeIssue };

/** Throws `ApiError` 400 (`invalid_request_error`) listing every problem, exactly as create does. */
export function parseInputTokensParams(body: unknown): InputTokensParams {
  const result = inputTokensSchema.safeParse(body, PARSE_OPTIONS);
  if (!result.success) throw toValidationError(result.error.issues, body);
  return result.data as InputTokensParams;
}
