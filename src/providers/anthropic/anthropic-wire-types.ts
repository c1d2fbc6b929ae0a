/**
 * The parts of the Anthropic Messages API wire format this adapter writes (request) and reads (stream).
 * Request types are exact; stream types are lenient (everything optional): Anthropic adds fields and block
 * types over time, and an unknown one must not break a stream.
 */

export type AnthropicSource =
  | { type: 'base64'; media_type: string; data: string }
  | { type: 'url'; url: string }
  | { type: 'text'; media_type: 'text/plain'; data: string };

export interface AnthropicTextBlock { type: 'text'; text: string }
export interface AnthropicImageBlock { type: 'image'; source: AnthropicSource }
export interface AnthropicDocumentBlock { type: 'document'; source: AnthropicSource; title?: string }
export interface AnthropicToolUseBlock { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
export interface AnthropicToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | (AnthropicTextBlock | AnthropicImageBlock | AnthropicDocumentBlock)[];
}
export interface AnthropicThinkingBlock { type: 'thinking'; thinking: string; signature: string }
export interface AnthropicRedactedThinkingBlock { type: 'redacted_thinking'; data: string }

export type AnthropicContentBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicDocumentBlock
  | AnthropicToolUseBlock
  | AnthropicToolResultBlock
  | AnthropicThinkingBlock
  | AnthropicRedactedThinkingBlock;

export interface AnthropicMessage { role: 'user' | 'assistant'; content: AnthropicContentBlock[] }

export interface AnthropicTool { name: string; description?: string; input_schema: Record<string, unknown> }

export type AnthropicToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

export type AnthropicThinking = { type: 'enabled'; budget_tokens: number } | { type: 'disabled' };

export interface AnthropicRequestBody {
  model: string;
  max_tokens: number;
  messages: AnthropicMessage[];
  system?: AnthropicTextBlock[];
  stream: true;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  metadata?: { user_id: string };
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  thinking?: AnthropicThinking;
  output_config?: { format: { type: 'json_schema'; schema: Record<string, unknown> } };
}

/** `usage` as it appears in `message_start.message` and (cumulatively) in `message_delta`. */
export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

/** One parsed SSE `data:` payload. Only the fields the mapper reads. */
export interface AnthropicStreamEvent {
  type?: string;
  index?: number;
  message?: { id?: string; model?: string; usage?: AnthropicUsage | null } | null;
  content_block?: {
    type?: string;
    id?: string;
    name?: string;
    input?: unknown;
    text?: string;
    thinking?: string;
    signature?: string;
    data?: string;
  } | null;
  delta?: {
    type?: string;
    text?: string;
    partial_json?: string;
    thinking?: string;
    signature?: string;
    stop_reason?: string | null;
  } | null;
  usage?: AnthropicUsage | null;
  error?: { type?: string; message?: string } | null;
}
