/** ModelRequest → the Chat Completions request body (see chat-params.ts for the field table). */
import type { CreateParams } from '../../api/create-params.js';
import type { FlattenedTools } from '../tool-mapping.js';
import type { ModelRequest } from '../types.js';
import type { ChatRequestBody } from './chat-wire-types.js';
import { jsonWithArray } from '../history-json.js';
import { chatMessagesBytes, convertToChatMessages } from './convert-to-chat-messages.js';
import { prepareChatTools } from './prepare-chat-tools.js';

/** Params that keep their name on the way to a Chat server. */
const SAME_NAME = [
  'temperature', 'top_p', 'top_k', 'seed', 'stop', 'presence_penalty', 'frequency_penalty', 'repetition_penalty',
  'user', 'service_tier', 'safety_identifier', 'prompt_cache_key', 'prompt_cache_retention',
] as const satisfies readonly (keyof CreateParams)[];

export function buildChatRequest(
  request: ModelRequest,
  tools: FlattenedTools,
  opts: { provider: string; dropUnsupported: boolean },
): ChatRequestBody {
  const body = requestFields(request, tools, opts);
  body.messages = convertToChatMessages(request.instructions, request.input, opts.provider);
  return body;
}

/** The same request as JSON bytes, its messages through the history memo (see chatMessagesBytes). */
export function chatRequestBytes(
  request: ModelRequest,
  tools: FlattenedTools,
  opts: { provider: string; dropUnsupported: boolean },
): Buffer {
  const { messages: _placeholder, ...rest } = requestFields(request, tools, opts);
  const system = request.instructions ? JSON.stringify({ role: 'system', content: request.instructions }) : '';
  return jsonWithArray('messages', chatMessagesBytes(request.input, opts.provider), rest, system);
}

/** Everything but `messages` (left empty). */
function requestFields(
  request: ModelRequest,
  tools: FlattenedTools,
  opts: { provider: string; dropUnsupported: boolean },
): ChatRequestBody {
  const p = request.params;
  // Streamed from the upstream only when the client streams: a non-streamed answer is one JSON object,
  // cheaper for both sides than a chunk stream that would only be collected.
  const stream = request.params.stream === true;
  const body: ChatRequestBody = { model: request.model, messages: [], stream };
  if (stream) body.stream_options = { include_usage: true };

  const toolsPart = prepareChatTools(tools, p.tool_choice, opts.dropUnsupported, opts.provider);
  if (toolsPart.tools) {
    body.tools = toolsPart.tools;
    if (toolsPart.tool_choice) body.tool_choice = toolsPart.tool_choice;
    if (p.parallel_tool_calls != null) body.parallel_tool_calls = p.parallel_tool_calls;
  }

  if (p.max_output_tokens != null) body.max_tokens = p.max_output_tokens;
  for (const key of SAME_NAME) {
    if (p[key] != null) body[key] = p[key];
  }
  // 0 is the API default ("no alternatives"): asking a server for logprobs then only costs bandwidth.
  if (p.top_logprobs != null && p.top_logprobs > 0) {
    body.logprobs = true;
    body.top_logprobs = p.top_logprobs;
  }
  const effort = p.reasoning?.effort ?? p.reasoning_effort;
  if (effort != null) body.reasoning_effort = effort;

  const format = p.text?.format;
  if (format?.type === 'json_schema') {
    const f = format as Extract<typeof format, { type: 'json_schema' }>;
    const jsonSchema: Record<string, unknown> = { name: f.name, schema: f.schema };
    if (f.strict != null) jsonSchema.strict = f.strict;
    if (f.description != null) jsonSchema.description = f.description;
    body.response_format = { type: 'json_schema', json_schema: jsonSchema };
  } else if (format?.type === 'json_object') {
    body.response_format = { type: 'json_object' };
  }
  if (p.text?.verbosity != null) body.verbosity = p.text.verbosity;
  return body;
}
