/**
 * The slice of the Chat Completions wire format this adapter writes and reads. Request types are exact (we
 * build them); chunk types are lenient (every field optional / nullable) because each server fills them in
 * its own way — vLLM, Ollama, llama.cpp, Groq and OpenRouter all differ in what they omit.
 */

export type ChatContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: string } }
  | { type: 'file'; file: { filename?: string; file_data: string } };

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatSystemMessage { role: 'system'; content: string }
export interface ChatUserMessage { role: 'user'; content: string | ChatContentPart[] }
export interface ChatAssistantMessage {
  role: 'assistant';
  content: string | null;
  refusal?: string;
  tool_calls?: ChatToolCall[];
  /** DeepSeek / vLLM convention for sending earlier reasoning back. */
  reasoning_content?: string;
}
export interface ChatToolMessage { role: 'tool'; tool_call_id: string; content: string | ChatContentPart[] }

export type ChatMessage = ChatSystemMessage | ChatUserMessage | ChatAssistantMessage | ChatToolMessage;

export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown>; strict?: boolean };
}

export type ChatToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export interface ChatRequestBody {
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  /** Only when streaming. */
  stream_options?: { include_usage: true };
  tools?: ChatTool[];
  tool_choice?: ChatToolChoice;
  parallel_tool_calls?: boolean;
  [param: string]: unknown;
}

export interface ChatUsageWire {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
  /** DeepSeek reports cache hits here instead of prompt_tokens_details. */
  prompt_cache_hit_tokens?: number | null;
}

export interface ChatToolCallDelta {
  index?: number | null;
  id?: string | null;
  type?: string | null;
  function?: { name?: string | null; arguments?: unknown } | null;
}

export interface ChatChunkDelta {
  role?: string | null;
  content?: string | null;
  refusal?: string | null;
  reasoning_content?: string | null;
  reasoning?: unknown;
  tool_calls?: ChatToolCallDelta[] | null;
}

/** A non-streamed answer (`chat.completion`): one choice holds the whole message. */
export interface ChatCompletion {
  id?: string | null;
  model?: string | null;
  choices?: { index?: number | null; message?: ChatChunkDelta | null; finish_reason?: string | null }[] | null;
  usage?: ChatUsageWire | null;
  x_groq?: { usage?: ChatUsageWire | null } | null;
  error?: unknown;
}

export interface ChatChunkChoice {
  index?: number | null;
  delta?: ChatChunkDelta | null;
  finish_reason?: string | null;
}

export interface ChatChunk {
  id?: string | null;
  object?: string | null;
  model?: string | null;
  choices?: ChatChunkChoice[] | null;
  usage?: ChatUsageWire | null;
  /** Groq puts the final usage here. */
  x_groq?: { usage?: ChatUsageWire | null } | null;
  error?: unknown;
  message?: unknown;
  code?: unknown;
}
