/** The Response object as served (every field of Open Responses' ResponseResource; nullable ones as null). */
import type { Item } from './items.js';
import type { CreateParams, FunctionTool, TextFormat, Tool, ToolChoice } from './create-params.js';

export type ResponseStatus = 'queued' | 'in_progress' | 'completed' | 'incomplete' | 'failed' | 'cancelled';

export interface ResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  background: boolean;
  completed_at: number | null;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: string } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  max_tool_calls: number | null;
  model: string;
  output: Item[];
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  conversation: { id: string } | null;
  prompt_cache_key: string | null;
  prompt_cache_retention: string | null;
  reasoning: { effort: string | null; summary: string | null };
  safety_identifier: string | null;
  service_tier: string;
  store: boolean;
  temperature: number;
  text: { format: Record<string, unknown>; verbosity: string };
  tool_choice: ToolChoice;
  tools: Tool[];
  top_logprobs: number;
  top_p: number;
  presence_penalty: number;
  frequency_penalty: number;
  truncation: 'auto' | 'disabled';
  usage: ResponseUsage | null;
  user: string | null;
  metadata: Record<string, string>;
  /** Switchboard extras the wire allows (seeds list them as request fields, echoed like the others). */
  [extra: string]: unknown;
}

/** The Response as it looks when the request is accepted: settings echoed, defaults filled in. */
export function initialResponse(id: string, model: string, params: CreateParams, createdAt: number): ResponseObject {
  const r: ResponseObject = {
    id,
    object: 'response',
    created_at: createdAt,
    status: 'in_progress',
    background: params.background ?? false,
    completed_at: null,
    error: null,
    incomplete_details: null,
    instructions: params.instructions ?? null,
    max_output_tokens: params.max_output_tokens ?? null,
    max_tool_calls: params.max_tool_calls ?? null,
    model,
    output: [],
    parallel_tool_calls: params.parallel_tool_calls ?? true,
    previous_response_id: params.previous_response_id ?? null,
    conversation: null,
    prompt_cache_key: params.prompt_cache_key ?? null,
    prompt_cache_retention: params.prompt_cache_retention ?? null,
    reasoning: { effort: params.reasoning?.effort ?? null, summary: params.reasoning?.summary ?? null },
    safety_identifier: params.safety_identifier ?? null,
    service_tier: params.service_tier ?? 'default',
    store: params.store ?? true,
    temperature: params.temperature ?? 1,
    text: { format: echoFormat(params.text?.format), verbosity: params.text?.verbosity ?? 'medium' },
    tool_choice: params.tool_choice ?? 'auto',
    tools: (params.tools ?? []).map(echoTool),
    top_logprobs: params.top_logprobs ?? 0,
    top_p: params.top_p ?? 1,
    presence_penalty: params.presence_penalty ?? 0,
    frequency_penalty: params.frequency_penalty ?? 0,
    truncation: params.truncation ?? 'disabled',
    usage: null,
    user: params.user ?? null,
    metadata: params.metadata ?? {},
  };
  // Seed-document extras are echoed only when set, so a plain OpenAI response looks exactly like OpenAI's.
  for (const k of ['seed', 'stop', 'top_k', 'repetition_penalty', 'safeguards', 'client_metadata'] as const) {
    if (params[k] !== undefined && params[k] !== null) r[k] = params[k];
  }
  return r;
}

/**
 * A tool as the Response lists it: function tools with every field the spec requires (ResponseResource.tools →
 * FunctionTool: description, parameters and strict, null when unset). `strict` is what the client sent, else
 * `true`: the Responses API's default for function tools, which OpenAI echoes (it normalizes an omitted
 * `strict` into strict mode when the schema allows). Other tool types are echoed as sent.
 */
function echoTool(tool: Tool): Tool {
  if (tool.type !== 'function') return tool;
  const { type, name, description, parameters, strict, ...rest } = tool as FunctionTool;
  return { type, name, description: description ?? null, parameters: parameters ?? null, strict: strict ?? true, ...rest };
}

/**
 * `text.format` as echoed: a json_schema format carries every field the spec requires (description null when
 * unset; strict false when unset — structured outputs are strict only when asked for, as in Chat Completions).
 */
function echoFormat(format: TextFormat | undefined): Record<string, unknown> {
  if (!format) return { type: 'text' };
  if (format.type !== 'json_schema') return format;
  const { type, name, description, schema, strict, ...rest } = format;
  return { type, name, description: description ?? null, schema, strict: strict ?? false, ...rest };
}

/** What a client sees: reasoning `encrypted_content` only when it asked for it with `include`. */
/**
 * Stored items of server-run tools carry what the model was told under this key, so a later turn replays the same
 * result to the model (tools/model-view.ts); `presentItem` never shows it to a client.
 */
export const MODEL_OUTPUT_KEY = '_switchboard_model_output';

export function presentResponse(r: ResponseObject, includeEncrypted: boolean): ResponseObject {
  if (!r.output.some((i) => hidesSomething(i, includeEncrypted))) return r;
  return { ...r, output: r.output.map((i) => presentItem(i, includeEncrypted)) };
}

/**
 * An item as a client sees it: reasoning `encrypted_content` only when asked for, and never what a server-side
 * tool told the model (kept on stored items for later turns: tools/types.ts MODEL_OUTPUT_KEY).
 */
export function presentItem(item: Item, includeEncrypted: boolean): Item {
  if (!hidesSomething(item, includeEncrypted)) return item;
  if (item.type === 'reasoning') {
    const { encrypted_content: _hidden, ...rest } = item;
    return rest as Item;
  }
  const { [MODEL_OUTPUT_KEY]: _kept, ...rest } = item;
  return rest as Item;
}

/** Messages and function calls, most of any output, cost one comparison or two. */
function hidesSomething(item: Item, includeEncrypted: boolean): boolean {
  const type = item.type;
  if (type === 'message' || type === 'function_call') return false;
  if (type === 'reasoning') return !includeEncrypted && item.encrypted_content != null;
  return item[MODEL_OUTPUT_KEY] !== undefined;
}

/**
 * A Response's JSON text in two pieces around the value of its `output`, so one serialization of the rest
 * serves the stored row (output `[]`: its items are stored as rows of their own) and the client's answer
 * (output: the items' JSON, already made for the store). `head + outputJson + tail` is byte for byte what
 * `JSON.stringify` gives for the Response with that output. Null when the object has no `output` key.
 */
export interface ResponseJsonParts { head: string; tail: string }

export function responseJsonParts(r: ResponseObject): ResponseJsonParts | null {
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  let found = false;
  for (const key of Object.keys(r)) {
    if (key === 'output') found = true;
    else (found ? after : before)[key] = (r as unknown as Record<string, unknown>)[key];
  }
  if (!found) return null;
  const b = JSON.stringify(before);
  const a = JSON.stringify(after);
  return { head: b === '{}' ? '{"output":' : `${b.slice(0, -1)},"output":`, tail: a === '{}' ? '}' : `,${a.slice(1)}` };
}
