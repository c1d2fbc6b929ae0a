/**
 * Responses API items as Switchboard handles them internally.
 *
 * The engine, the store and every provider adapter speak this one item vocabulary (the Responses API's own),
 * so nothing is lost between turns. Input arriving from clients is normalized into these shapes by
 * `responses/normalize-input.ts` before anything else sees it: every item has a `type`, every message has an
 * array `content`. Fields Switchboard does not interpret are kept (items are open objects), so a newer client's
 * additions survive a round-trip through the store.
 */

export type Role = 'user' | 'assistant' | 'system' | 'developer';

export interface InputTextPart { type: 'input_text'; text: string }
export interface InputImagePart {
  type: 'input_image';
  image_url?: string | null;
  file_id?: string | null;
  detail?: 'low' | 'high' | 'auto' | 'original';
}
export interface InputFilePart {
  type: 'input_file';
  file_id?: string | null;
  file_data?: string;
  file_url?: string;
  filename?: string;
}
export interface OutputTextPart {
  type: 'output_text';
  text: string;
  annotations: unknown[];
  logprobs?: unknown[];
}
export interface RefusalPart { type: 'refusal'; refusal: string }

export type ContentPart = InputTextPart | InputImagePart | InputFilePart | OutputTextPart | RefusalPart;

export interface MessageItem {
  type: 'message';
  id?: string;
  role: Role;
  content: ContentPart[];
  status?: ItemStatus;
  phase?: 'commentary' | 'final_answer' | null;
  [extra: string]: unknown;
}

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

export interface FunctionCallItem {
  type: 'function_call';
  id?: string;
  call_id: string;
  name: string;
  arguments: string;
  namespace?: string;
  status?: ItemStatus;
  [extra: string]: unknown;
}

export interface FunctionCallOutputItem {
  type: 'function_call_output';
  id?: string;
  call_id: string;
  output: string | ContentPart[];
  status?: ItemStatus;
  [extra: string]: unknown;
}

export interface ReasoningItem {
  type: 'reasoning';
  id?: string;
  summary: { type: 'summary_text'; text: string }[];
  content?: { type: 'reasoning_text'; text: string }[] | null;
  encrypted_content?: string | null;
  status?: ItemStatus;
  [extra: string]: unknown;
}

/** An item Switchboard passes through without interpreting (web_search_call, custom_tool_call, …). */
export interface OtherItem {
  type: string;
  id?: string;
  [extra: string]: unknown;
}

export type Item = MessageItem | FunctionCallItem | FunctionCallOutputItem | ReasoningItem | OtherItem;

export function isMessage(item: Item): item is MessageItem { return item.type === 'message'; }
export function isFunctionCall(item: Item): item is FunctionCallItem { return item.type === 'function_call'; }
export function isFunctionCallOutput(item: Item): item is FunctionCallOutputItem {
  return item.type === 'function_call_output';
}
export function isReasoning(item: Item): item is ReasoningItem { return item.type === 'reasoning'; }
