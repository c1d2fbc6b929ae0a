/**
 * Input-token counting for the `openai` kind: OpenAI's own `POST {baseUrl}/responses/input_tokens`.
 *
 * The body is the one a create would send (build-responses-request.ts: the whole history, ids stripped), cut
 * down to the fields that endpoint takes (`InputTokenCountParams` in the installed openai SDK): model, input,
 * instructions, tools, tool_choice, parallel_tool_calls, reasoning, text, truncation. `conversation` and
 * `previous_response_id` are never sent (Switchboard keeps the state and sends the history itself); include,
 * store, stream, stream_options, sampling, output limits and the advisory fields (service_tier, user,
 * safety_identifier, prompt_cache_*, prompt) are create-only and left out. The answer's `input_tokens` is read.
 *
 * As for a create (see index.ts), a 400 "encrypted content … could not be verified" — a reasoning blob OpenAI
 * did not issue — is retried once without reasoning items, because that is what the create would send.
 */
import { UpstreamError } from '../../api/errors.js';
import type { ProviderConfig } from '../../config/types.js';
import type { ModelRequest } from '../types.js';
import { type UpstreamClient } from '../upstream-http.js';
import { toUpstreamError } from '../upstream-errors.js';
import { buildResponsesRequest } from './build-responses-request.js';
import { ENCRYPTED_UNVERIFIED } from './encrypted-content-errors.js';

/** The top-level keys of `InputTokenCountParams` a stateless caller sends. */
const COUNT_FIELDS = [
  'model', 'input', 'instructions', 'tools', 'tool_choice', 'parallel_tool_calls', 'reasoning', 'text', 'truncation',
] as const;


export async function countResponsesInputTokens(client: UpstreamClient, config: ProviderConfig, request: ModelRequest): Promise<number> {
  const headers: Record<string, string> = config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {};
  let dropReasoning = false;
  for (;;) {
    const body = countBody(request, dropReasoning);
    try {
      const answer = await client.json<unknown>('POST', '/responses/input_tokens', body, headers, request.signal);
      return readInputTokens(answer);
    } catch (err) {
      const error = toUpstreamError(err, request.signal);
      const retry = !dropReasoning && error.upstreamStatus === 400 && ENCRYPTED_UNVERIFIED.test(error.message) &&
        request.input.some((item) => item.type === 'reasoning');
      if (!retry) throw error;
      dropReasoning = true;
    }
  }
}

/** The create body restricted to COUNT_FIELDS. */
export function countBody(request: ModelRequest, dropReasoning = false): Record<string, unknown> {
  const full = buildResponsesRequest(request, { encryptedReasoning: false, dropReasoning });
  const body: Record<string, unknown> = {};
  for (const key of COUNT_FIELDS) if (full[key] !== undefined) body[key] = full[key];
  return body;
}

function readInputTokens(answer: unknown): number {
  const n = (answer as { input_tokens?: unknown } | null)?.input_tokens;
  if (typeof n === 'number' && Number.isFinite(n) && n >= 0) return Math.round(n);
  throw new UpstreamError(`upstream answered without a numeric input_tokens: ${JSON.stringify(answer).slice(0, 200)}`, {
    status: 502, code: 'upstream_bad_response',
  });
}
