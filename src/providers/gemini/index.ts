/**
 * The `gemini` provider kind: Google's Gemini API (generateContent). POSTs
 * `${baseUrl}/v1beta/models/{model}:streamGenerateContent?alt=sse` (baseUrl like
 * `https://generativelanguage.googleapis.com`, or with its version: `…/v1beta`, `…/v1`; see versioned-base-url.ts)
 * with the key in `x-goog-api-key`.
 */
import type { ProviderConfig } from '../../config/types.js';
import { flattenTools, FUNCTION_TOOL_TYPES } from '../tool-mapping.js';
import type { ModelEvent, ModelRequest, Provider } from '../types.js';
import { UpstreamClient } from '../upstream-http.js';
import { geminiApiRoot } from '../versioned-base-url.js';
import { buildGeminiRequest } from './build-gemini-request.js';
import { countGeminiInputTokens } from './count-gemini-input-tokens.js';
import { GEMINI_PARAMS } from './gemini-params.js';
import { mapGeminiStream } from './map-gemini-stream.js';
import { wantsReasoningSummary } from './thinking-config.js';

export { GEMINI_PARAMS } from './gemini-params.js';

export function createGeminiProvider(config: ProviderConfig): Provider {
  const client = new UpstreamClient({ ...config, baseUrl: geminiApiRoot(config.baseUrl) });
  const hasOwnKey = Object.keys(config.headers).some((h) => h.toLowerCase() === 'x-goog-api-key');
  const authHeaders: Record<string, string> = config.apiKey && !hasOwnKey ? { 'x-goog-api-key': config.apiKey } : {};

  return {
    name: config.name,
    kind: 'gemini',
    supportedParams: GEMINI_PARAMS,
    supportedToolTypes: FUNCTION_TOOL_TYPES,
    countInputTokens: (request) => countGeminiInputTokens(client, config, authHeaders, request),
    async stream(request: ModelRequest): Promise<AsyncIterable<ModelEvent>> {
      const tools = flattenTools(request.params.tools, config.dropUnsupported, config.name);
      const body = buildGeminiRequest(request, tools, { provider: config.name, dropUnsupported: config.dropUnsupported });
      const sse = await client.postSse(`${modelPath(request.model)}:streamGenerateContent?alt=sse`, body, authHeaders, request.signal);
      return mapGeminiStream(sse, {
        tools,
        thoughtsAsSummary: wantsReasoningSummary(request.params),
        singleToolCall: request.params.parallel_tool_calls === false,
      });
    },
  };
}

/** `gemini-2.5-flash` → `/models/gemini-2.5-flash`; a full resource name (`tunedModels/x`, `models/x`) is kept. */
export function modelPath(model: string): string {
  const name = model.includes('/') ? model : `models/${model}`;
  return '/' + name.split('/').map(encodeURIComponent).join('/');
}
