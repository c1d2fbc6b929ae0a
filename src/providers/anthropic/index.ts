/**
 * The `anthropic` provider kind: the Anthropic Messages API (`POST {baseUrl}/v1/messages`, always streamed; the
 * base URL may also end in `/v1`, see versioned-base-url.ts).
 * Request conversion: build-anthropic-request.ts (and the files it names); stream: map-anthropic-stream.ts.
 */
import type { CreateParams } from '../../api/create-params.js';
import { FUNCTION_TOOL_TYPES } from '../tool-mapping.js';
import type { ProviderConfig } from '../../config/types.js';
import type { ModelEvent, ModelRequest, Provider } from '../types.js';
import { UpstreamClient } from '../upstream-http.js';
import { anthropicApiRoot } from '../versioned-base-url.js';
import { buildAnthropicRequest } from './build-anthropic-request.js';
import { countAnthropicInputTokens } from './count-anthropic-input-tokens.js';
import { mapAnthropicStream } from './map-anthropic-stream.js';

/**
 * The model-facing CreateParams keys this provider honours.
 *
 * | key                   | Anthropic mapping                                                       |
 * |-----------------------|-------------------------------------------------------------------------|
 * | tools                 | tools (function/namespace/custom flattened; hosted tools → 400)         |
 * | tool_choice           | tool_choice auto/any/none/tool (allowed_tools filters the tool list)    |
 * | parallel_tool_calls   | tool_choice.disable_parallel_tool_use = !parallel_tool_calls            |
 * | max_output_tokens     | max_tokens (default 4096, raised by the thinking budget)                |
 * | temperature           | temperature (0–1; > 1 → 400; must be 1 with thinking)                   |
 * | top_p                 | top_p (≥ 0.95 with thinking)                                            |
 * | top_k                 | top_k (not with thinking)                                               |
 * | stop                  | stop_sequences                                                          |
 * | reasoning             | effort → thinking.budget_tokens; summary → thinking reported as summary |
 * | reasoning_effort      | alias already merged into reasoning.effort                              |
 * | text                  | format json_schema → output_config.format; json_object → system prompt; |
 * |                       | verbosity → 400                                                         |
 * | user                  | metadata.user_id (when safety_identifier is absent)                     |
 * | safety_identifier     | metadata.user_id                                                        |
 *
 * Not honoured (no Anthropic equivalent): seed, presence/frequency/repetition_penalty, top_logprobs,
 * prompt_cache_key / prompt_cache_retention (Anthropic caches by explicit cache_control), service_tier.
 */
export const ANTHROPIC_PARAMS: ReadonlySet<keyof CreateParams> = new Set<keyof CreateParams>([
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'max_output_tokens',
  'temperature',
  'top_p',
  'top_k',
  'stop',
  'reasoning',
  'reasoning_effort',
  'text',
  'user',
  'safety_identifier',
]);

export function createAnthropicProvider(config: ProviderConfig): Provider {
  const client = new UpstreamClient({ ...config, baseUrl: anthropicApiRoot(config.baseUrl) });
  return {
    name: config.name,
    kind: 'anthropic',
    supportedParams: ANTHROPIC_PARAMS,
    supportedToolTypes: FUNCTION_TOOL_TYPES,
    countInputTokens: (request) => countAnthropicInputTokens(client, config, request),
    async stream(request: ModelRequest): Promise<AsyncIterable<ModelEvent>> {
      const built = buildAnthropicRequest(request, config);
      // Anthropic's `ping` only keeps the connection open: a stream of nothing else times out like SSE comments.
      const sse = await client.postSse('/messages', built.body, built.headers, request.signal, 'ping');
      return mapAnthropicStream(sse, { tools: built.tools, thinkingAsSummary: built.thinkingAsSummary });
    },
  };
}
