/** ModelRequest → the Gemini generateContent request body (see gemini-params.ts for the field table). */
import { ApiError } from '../../api/errors.js';
import type { FlattenedTools } from '../tool-mapping.js';
import type { ModelRequest } from '../types.js';
import { convertToGeminiContents } from './convert-to-gemini-contents.js';
import type { GeminiGenerationConfig, GeminiRequestBody } from './gemini-wire-types.js';
import { prepareGeminiTools } from './prepare-gemini-tools.js';
import { thinkingConfigFor } from './thinking-config.js';

export function buildGeminiRequest(
  request: ModelRequest,
  tools: FlattenedTools,
  opts: { provider: string; dropUnsupported: boolean },
): GeminiRequestBody {
  const p = request.params;
  const { systemInstruction, contents } = convertToGeminiContents(request.instructions, request.input, request.model);
  const body: GeminiRequestBody = { contents };
  if (systemInstruction) body.systemInstruction = systemInstruction;
  Object.assign(body, prepareGeminiTools(tools, p.tool_choice, opts.dropUnsupported, opts.provider));

  const g: GeminiGenerationConfig = {};
  if (p.temperature != null) g.temperature = p.temperature;
  if (p.top_p != null) g.topP = p.top_p;
  if (p.top_k != null) g.topK = p.top_k;
  if (p.seed != null) g.seed = p.seed;
  if (p.stop != null) g.stopSequences = typeof p.stop === 'string' ? [p.stop] : p.stop;
  if (p.max_output_tokens != null) g.maxOutputTokens = p.max_output_tokens;
  if (p.presence_penalty != null) g.presencePenalty = p.presence_penalty;
  if (p.frequency_penalty != null) g.frequencyPenalty = p.frequency_penalty;

  const format = p.text?.format;
  if (format?.type === 'json_schema') {
    g.responseMimeType = 'application/json';
    g.responseJsonSchema = (format as Extract<typeof format, { type: 'json_schema' }>).schema;
  } else if (format?.type === 'json_object') {
    g.responseMimeType = 'application/json';
  }
  if (p.text?.verbosity != null && !opts.dropUnsupported) {
    throw new ApiError(400, `text.verbosity is not supported by provider '${opts.provider}' (Gemini has no equivalent).`, {
      param: 'text.verbosity',
      code: 'unsupported_parameter',
    });
  }

  const thinking = thinkingConfigFor(request.model, p);
  if (thinking) g.thinkingConfig = thinking;
  if (Object.keys(g).length) body.generationConfig = g;
  return body;
}
