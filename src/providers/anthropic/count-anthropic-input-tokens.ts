/**
 * Input-token counting for the `anthropic` kind: `POST {baseUrl}/messages/count_tokens`.
 *
 * The body is the Messages request build-anthropic-request.ts makes, restricted to the fields the count
 * endpoint takes (Anthropic's reference: model, messages, system, tools, tool_choice, thinking, output_config).
 * The generation-only fields — max_tokens, stream, stop_sequences, temperature, top_p, top_k, metadata — are
 * refused by that endpoint and never sent. The answer is `{input_tokens}`; it includes the system prompt and the
 * tool definitions, as the Messages API's own usage does.
 */
import { UpstreamError } from '../../api/errors.js';
import type { ProviderConfig } from '../../config/types.js';
import type { ModelRequest } from '../types.js';
import type { UpstreamClient } from '../upstream-http.js';
import type { AnthropicRequestBody } from './anthropic-wire-types.js';
import { buildAnthropicRequest } from './build-anthropic-request.js';

const COUNT_FIELDS = ['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'output_config'] as const satisfies
  readonly (keyof AnthropicRequestBody)[];

export async function countAnthropicInputTokens(client: UpstreamClient, config: ProviderConfig, request: ModelRequest): Promise<number> {
  const built = buildAnthropicRequest(request, config);
  const body: Record<string, unknown> = {};
  for (const key of COUNT_FIELDS) if (built.body[key] !== undefined) body[key] = built.body[key];
  const answer = await client.json<unknown>('POST', '/messages/count_tokens', body, built.headers, request.signal);
  const n = (answer as { input_tokens?: unknown } | null)?.input_tokens;
  if (typeof n === 'number' && Number.isFinite(n) && n >= 0) return Math.round(n);
  throw new UpstreamError(`upstream answered without a numeric input_tokens: ${JSON.stringify(answer).slice(0, 200)}`, {
    status: 502, code: 'upstream_bad_response',
  });
}
