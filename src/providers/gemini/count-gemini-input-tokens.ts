/**
 * Input-token counting for the `gemini` kind: `POST {baseUrl}/models/{model}:countTokens` with
 * `{generateContentRequest: {model: 'models/<m>', contents, systemInstruction?, tools?, toolConfig?}}` — the
 * request build-gemini-request.ts makes, so the system instruction and function declarations are counted
 * too (plain `contents` would count only the messages). `model` is required inside generateContentRequest.
 * `generationConfig` is left out: it steers the output (sampling, limits, thinking) and adds no input tokens.
 *
 * The answer is `{totalTokens, cachedContentTokenCount?, promptTokensDetails?}`; `totalTokens` is read. Google
 * serializes with proto3 JSON, which omits zero values, so an object without `totalTokens` means 0.
 */
import { UpstreamError } from '../../api/errors.js';
import type { ProviderConfig } from '../../config/types.js';
import { flattenTools } from '../tool-mapping.js';
import type { ModelRequest } from '../types.js';
import type { UpstreamClient } from '../upstream-http.js';
import { buildGeminiRequest } from './build-gemini-request.js';

export async function countGeminiInputTokens(
  client: UpstreamClient,
  config: ProviderConfig,
  authHeaders: Record<string, string>,
  request: ModelRequest,
): Promise<number> {
  const tools = flattenTools(request.params.tools, config.dropUnsupported, config.name);
  const built = buildGeminiRequest(request, tools, { provider: config.name, dropUnsupported: config.dropUnsupported });
  const name = resourceName(request.model);
  const generateContentRequest: Record<string, unknown> = { model: name, contents: built.contents };
  if (built.systemInstruction) generateContentRequest.systemInstruction = built.systemInstruction;
  if (built.tools) generateContentRequest.tools = built.tools;
  if (built.toolConfig) generateContentRequest.toolConfig = built.toolConfig;
  const path = '/' + name.split('/').map(encodeURIComponent).join('/') + ':countTokens';
  const answer = await client.json<unknown>('POST', path, { generateContentRequest }, authHeaders, request.signal);
  return readTotalTokens(answer);
}

/** `gemini-2.5-flash` → `models/gemini-2.5-flash`; a full resource name (`tunedModels/x`) is kept (as in index.ts). */
function resourceName(model: string): string {
  return model.includes('/') ? model : `models/${model}`;
}

function readTotalTokens(answer: unknown): number {
  if (answer && typeof answer === 'object' && !Array.isArray(answer)) {
    const n = (answer as { totalTokens?: unknown }).totalTokens;
    if (n === undefined || n === null) return 0;
    // int32 in proto3 JSON is a number; accept a numeric string too.
    const value = typeof n === 'string' ? Number(n) : n;
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.round(value);
  }
  throw new UpstreamError(`upstream answered without a numeric totalTokens: ${JSON.stringify(answer).slice(0, 200)}`, {
    status: 502, code: 'upstream_bad_response',
  });
}
