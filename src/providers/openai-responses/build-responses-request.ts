/**
 * ModelRequest → the body of OpenAI's `POST /responses`. Switchboard keeps the conversation state itself, so the
 * upstream call is always stateless: `store: false`, the whole history in `input`, never
 * `previous_response_id` / `conversation`, and reasoning asked back as `encrypted_content` so it can be stored
 * and sent again next turn.
 */
import type { ModelRequest } from '../types.js';
import { jsonWithArray } from '../history-json.js';
import { convertInputItems, inputItemsBytes } from './convert-input-items.js';
import { FORWARDED_PARAMS } from './responses-params.js';

export const ENCRYPTED_REASONING = 'reasoning.encrypted_content';

export interface BuildOptions {
  /** Ask for `reasoning.encrypted_content` (false for models that answer 400 to it). */
  encryptedReasoning: boolean;
  /** Leave every reasoning item out of `input`. */
  dropReasoning?: boolean;
}

export function buildResponsesRequest(request: ModelRequest, opts: BuildOptions): Record<string, unknown> {
  return { ...requestFields(request, opts), input: convertInputItems(request.input, { dropReasoning: opts.dropReasoning }) };
}

/** The same body as JSON bytes, the input through the history memo (see inputItemsBytes). */
export function responsesRequestBytes(request: ModelRequest, opts: BuildOptions): Buffer {
  return jsonWithArray('input', inputItemsBytes(request.input, { dropReasoning: opts.dropReasoning }), requestFields(request, opts));
}

/** Everything but `input`. */
function requestFields(request: ModelRequest, opts: BuildOptions): Record<string, unknown> {
  const params = request.params;
  const body: Record<string, unknown> = { model: request.model };
  if (request.instructions !== null && request.instructions !== '') body.instructions = request.instructions;
  for (const key of FORWARDED_PARAMS) {
    const value = params[key];
    // null means "the default" on the wire too; OpenAI types several of these (user, text, tools…) as non-null.
    if (value !== undefined && value !== null) body[key] = value;
  }
  const include = mergeInclude(params.include, opts.encryptedReasoning);
  if (include.length) body.include = include;
  body.store = false;
  body.stream = true;
  // Obfuscation pads every delta event with random characters against side channels on the client's link;
  // this hop is server to server and Switchboard re-emits its own events.
  body.stream_options = { include_obfuscation: false };
  return body;
}

function mergeInclude(client: string[] | null | undefined, encryptedReasoning: boolean): string[] {
  const out = encryptedReasoning ? [ENCRYPTED_REASONING] : [];
  for (const value of client ?? []) if (!out.includes(value)) out.push(value);
  return out;
}

/**
 * Models OpenAI answers 400 "Encrypted content is not supported with this model" (param `include`) for:
 * the non-reasoning GPT-4 / GPT-3.5 families. Unknown models are asked; a 400 teaches the provider otherwise.
 */
export function mayAskEncryptedReasoning(model: string): boolean {
  return !/^(?:ft:)?(?:gpt-4|gpt-3\.5|chatgpt-4o)/i.test(model);
}

/** Whether the client itself asked for encrypted reasoning (then a 400 about it is the client's to see). */
export function clientAskedEncryptedReasoning(request: ModelRequest): boolean {
  return (request.params.include ?? []).includes(ENCRYPTED_REASONING);
}
