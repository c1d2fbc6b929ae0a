/**
 * The body of `POST /v1/responses/compact` (`ResponseCompactParams` in the openai SDK; the Open Responses
 * `CompactResponseMethodPublicBody`): the create request's own field schemas for the fields it takes, strict
 * like create. `model` is required: Switchboard must know which model writes the summary.
 */
import type { CreateParams } from '../api/create-params.js';
import { requestSchema } from '../api/create-request-schema.js';
import { invalidRequest } from '../api/errors.js';
import { checkJsonDepth } from '../api/json-depth.js';
import { describeIssue, toValidationError } from '../api/validation-error.js';

const compactSchema = requestSchema.pick({
  model: true, input: true, instructions: true, previous_response_id: true, prompt_cache_key: true,
});

export type CompactParams = Pick<CreateParams, 'model' | 'input' | 'instructions' | 'previous_response_id' | 'prompt_cache_key'>;

export function parseCompactParams(body: unknown): CompactParams & { model: string } {
  checkJsonDepth(body);
  const result = compactSchema.safeParse(body, { error: describeIssue });
  if (!result.success) throw toValidationError(result.error.issues, body);
  const params = result.data as CompactParams;
  if (typeof params.model !== 'string' || !params.model) {
    throw invalidRequest("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
  }
  return params as CompactParams & { model: string };
}
