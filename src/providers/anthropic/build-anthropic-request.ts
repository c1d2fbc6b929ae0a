/**
 * ModelRequest → the body and headers of `POST {baseUrl}/messages`.
 *
 * | CreateParams                       | Anthropic                                                           |
 * |------------------------------------|---------------------------------------------------------------------|
 * | max_output_tokens                  | max_tokens (DEFAULT_MAX_TOKENS when absent; see thinking-budget.ts)  |
 * | temperature                        | temperature; Anthropic's range is 0–1, so > 1 is a 400              |
 * | top_p / top_k                      | top_p / top_k                                                       |
 * | stop                               | stop_sequences (a string becomes a one-element list)                |
 * | safety_identifier, else user       | metadata.user_id                                                    |
 * | reasoning.effort                   | thinking (budget table in thinking-budget.ts)                       |
 * | reasoning.summary                  | how thinking is reported (see map-anthropic-stream.ts)              |
 * | text.format json_schema            | output_config.format {type:'json_schema', schema} (GA structured    |
 * |                                    | outputs: no beta header; name/description/strict are not sent)      |
 * | text.format json_object            | best effort: JSON_OBJECT_INSTRUCTION appended to `system` (Anthropic |
 * |                                    | has no JSON mode; structured outputs need a closed schema)          |
 * | text.verbosity                     | 400 unsupported_parameter (ignored with dropUnsupported)            |
 * | tools / tool_choice / parallel…    | see prepare-anthropic-tools.ts                                      |
 *
 * With thinking enabled Anthropic refuses temperature ≠ 1, any top_k, top_p < 0.95 and forced tool use:
 * those are 400s naming the parameter rather than upstream errors.
 */
import { ApiError } from '../../api/errors.js';
import type { ProviderConfig } from '../../config/types.js';
import type { ModelRequest } from '../types.js';
import type { FlattenedTools } from '../tool-mapping.js';
import type { AnthropicRequestBody } from './anthropic-wire-types.js';
import { convertToAnthropicMessages } from './convert-to-anthropic-messages.js';
import { prepareAnthropicTools } from './prepare-anthropic-tools.js';
import { planThinking } from './thinking-budget.js';

export const ANTHROPIC_VERSION = '2023-06-01';
export const JSON_OBJECT_INSTRUCTION = 'Respond with a single valid JSON object and nothing else: no prose, no code fences.';

export interface BuiltAnthropicRequest {
  body: AnthropicRequestBody;
  headers: Record<string, string>;
  tools: FlattenedTools;
  /** Thinking is reported as reasoning summary (reasoning.summary set) rather than raw reasoning text. */
  thinkingAsSummary: boolean;
}

export function buildAnthropicRequest(request: ModelRequest, config: ProviderConfig): BuiltAnthropicRequest {
  const p = request.params;
  const plan = planThinking(p.reasoning?.effort ?? p.reasoning_effort, p.max_output_tokens);
  checkSampling(request, plan.enabled);

  const tools = prepareAnthropicTools(p, { provider: config.name, dropUnsupported: config.dropUnsupported, thinking: plan.enabled });
  const { system, messages } = convertToAnthropicMessages(request.instructions, request.input, { dropUnsupported: config.dropUnsupported });

  const body: AnthropicRequestBody = { model: request.model, max_tokens: plan.maxTokens, messages, stream: true };

  const format = p.text?.format;
  if (format?.type === 'json_schema') {
    body.output_config = { format: { type: 'json_schema', schema: format.schema } };
  } else if (format?.type === 'json_object') {
    system.push({ type: 'text', text: JSON_OBJECT_INSTRUCTION });
  }
  if (p.text?.verbosity != null && !config.dropUnsupported) {
    throw new ApiError(400, `text.verbosity is not supported by provider '${config.name}'.`, { param: 'text.verbosity', code: 'unsupported_parameter' });
  }

  if (system.length > 0) body.system = system;
  if (p.temperature != null) body.temperature = p.temperature;
  if (p.top_p != null) body.top_p = p.top_p;
  if (p.top_k != null) body.top_k = p.top_k;
  const stop = typeof p.stop === 'string' ? [p.stop] : p.stop;
  if (stop && stop.length > 0) body.stop_sequences = stop;
  const userId = p.safety_identifier ?? p.user;
  if (userId) body.metadata = { user_id: userId };
  if (tools.tools) body.tools = tools.tools;
  if (tools.toolChoice) body.tool_choice = tools.toolChoice;
  if (plan.thinking) body.thinking = plan.thinking;

  const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION };
  if (config.apiKey) headers['x-api-key'] = config.apiKey;

  const summary = p.reasoning?.summary ?? p.reasoning?.generate_summary;
  return { body, headers, tools: tools.flattened, thinkingAsSummary: summary != null };
}

function checkSampling(request: ModelRequest, thinking: boolean) {
  const p = request.params;
  if (p.temperature != null && p.temperature > 1) {
    throw new ApiError(400, `Anthropic models accept temperature between 0 and 1; got ${p.temperature}.`, {
      param: 'temperature',
      code: 'invalid_value',
    });
  }
  if (!thinking) return;
  const why = 'is not allowed by Anthropic while reasoning is enabled (set reasoning.effort to none to use it)';
  if (p.temperature != null && p.temperature !== 1) {
    throw new ApiError(400, `temperature other than 1 ${why}.`, { param: 'temperature', code: 'unsupported_parameter' });
  }
  if (p.top_k != null) throw new ApiError(400, `top_k ${why}.`, { param: 'top_k', code: 'unsupported_parameter' });
  if (p.top_p != null && p.top_p < 0.95) {
    throw new ApiError(400, `top_p below 0.95 ${why}.`, { param: 'top_p', code: 'unsupported_parameter' });
  }
}
