/**
 * The validated body of `POST /v1/responses` (snake_case, exactly as on the wire). Produced by
 * `api/create-request-schema.ts`; `input` is still the raw client form here — the service normalizes it.
 */
import type { Item } from './items.js';

export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh';

export interface FunctionTool {
  type: 'function';
  name: string;
  description?: string | null;
  parameters?: Record<string, unknown> | null;
  strict?: boolean | null;
  [extra: string]: unknown;
}
export interface OtherTool { type: string; [extra: string]: unknown }
export type Tool = FunctionTool | OtherTool;

export type ToolChoice =
  | 'none' | 'auto' | 'required'
  | { type: 'function'; name: string }
  | { type: 'allowed_tools'; mode?: 'none' | 'auto' | 'required'; tools: Record<string, unknown>[] }
  | { type: string; [extra: string]: unknown };

export type TextFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: Record<string, unknown>; description?: string; strict?: boolean | null };

export interface CreateParams {
  model: string;
  input?: string | Item[];
  instructions?: string | null;
  previous_response_id?: string | null;
  conversation?: string | { id: string } | null;
  include?: string[] | null;
  tools?: Tool[] | null;
  tool_choice?: ToolChoice | null;
  parallel_tool_calls?: boolean | null;
  max_tool_calls?: number | null;
  max_output_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  top_k?: number | null;
  top_logprobs?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  repetition_penalty?: number | null;
  seed?: number | null;
  stop?: string | string[] | null;
  reasoning?: { effort?: ReasoningEffort | null; summary?: 'auto' | 'concise' | 'detailed' | null; generate_summary?: string | null } | null;
  /** Always absent after validation: merged into `reasoning.effort`. */
  reasoning_effort?: ReasoningEffort | null;
  text?: { format?: TextFormat; verbosity?: 'low' | 'medium' | 'high' | null } | null;
  truncation?: 'auto' | 'disabled' | null;
  metadata?: Record<string, string> | null;
  store?: boolean | null;
  stream?: boolean | null;
  stream_options?: { include_obfuscation?: boolean; include_usage?: boolean } | null;
  background?: boolean | null;
  service_tier?: string | null;
  user?: string | null;
  safety_identifier?: string | null;
  prompt_cache_key?: string | null;
  prompt_cache_retention?: string | null;
  prompt?: Record<string, unknown> | null;
  client_metadata?: Record<string, unknown> | null;
  safeguards?: Record<string, unknown> | null;
  context_management?: unknown;
}
