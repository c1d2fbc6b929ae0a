/**
 * Wire schemas for `input` items and their content parts (Responses API + Open Responses).
 *
 * Every object here is loose: known fields are type-checked, unknown ones are kept, because clients
 * (Codex CLI above all) add fields faster than specs document them. What is wrong is rejected; what is
 * merely new passes through. Items and parts are discriminated on `type` so a failure points at the exact
 * field (`input[2].content[0].type`) rather than at the whole item.
 *
 * An item may omit `type`: with a `role` it is a message (the "easy input message"), without one it is an
 * item reference `{id}` — that is a second discriminated union, on `role`, under `type: undefined`.
 */
import { z } from 'zod';

const optString = z.string().nullish();
const itemStatus = z.enum(['in_progress', 'completed', 'incomplete']).nullish();
const phase = z.enum(['commentary', 'final_answer']).nullish();

// ---- content parts -------------------------------------------------------------------------------------

const inputText = z.looseObject({ type: z.literal('input_text'), text: z.string() });

const inputImage = z
  .looseObject({
    type: z.literal('input_image'),
    image_url: optString,
    file_id: optString,
    detail: z.enum(['low', 'high', 'auto', 'original']).nullish(),
  })
  .refine((p) => typeof p.image_url === 'string' || typeof p.file_id === 'string', {
    message: "an input_image needs 'image_url' or 'file_id'",
  });

const inputFile = z
  .looseObject({
    type: z.literal('input_file'),
    file_id: optString,
    file_data: optString,
    file_url: optString,
    filename: optString,
  })
  .refine((p) => typeof p.file_id === 'string' || typeof p.file_data === 'string' || typeof p.file_url === 'string', {
    message: "an input_file needs 'file_id', 'file_data' or 'file_url'",
  });

const inputVideo = z.looseObject({ type: z.literal('input_video'), video_url: z.string() });

const outputText = z.looseObject({
  type: z.literal('output_text'),
  text: z.string(),
  annotations: z.array(z.unknown()).nullish(),
  logprobs: z.array(z.unknown()).nullish(),
});

const refusal = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });

const userContentPart = z.discriminatedUnion('type', [inputText, inputImage, inputFile]);
// The SDK's EasyInputMessage lets an assistant message carry input parts too.
const assistantContentPart = z.discriminatedUnion('type', [outputText, refusal, inputText, inputImage, inputFile]);
const toolOutputPart = z.discriminatedUnion('type', [inputText, inputImage, inputFile, inputVideo]);

const toolOutput = z.union([z.string(), z.array(toolOutputPart)]);

// ---- messages ------------------------------------------------------------------------------------------

function messageOptions<T extends z.ZodType>(type: T) {
  const common = { type, id: optString, status: itemStatus, phase };
  return [
    z.looseObject({
      ...common,
      role: z.enum(['user', 'system', 'developer']),
      content: z.union([z.string(), z.array(userContentPart)]),
    }),
    z.looseObject({
      ...common,
      role: z.literal('assistant'),
      content: z.union([z.string(), z.array(assistantContentPart)]),
    }),
  ] as const;
}

const typedMessage = z.discriminatedUnion('role', [...messageOptions(z.literal('message'))]);

/** `{id}` with neither `type` nor `role`: an item reference in its shortest form. */
const bareItemReference = z
  .looseObject({ type: z.undefined().optional(), role: z.undefined().optional(), id: z.string().optional() })
  .refine((v) => typeof v.id === 'string', {
    message: "an item without 'type' must be a message (with 'role') or an item reference (with 'id')",
  });

const untypedItem = z.discriminatedUnion('role', [...messageOptions(z.undefined().optional()), bareItemReference]);

// ---- items Switchboard interprets -----------------------------------------------------------------------

const itemReference = z.looseObject({ type: z.literal('item_reference').nullable(), id: z.string() });

const functionCall = z.looseObject({
  type: z.literal('function_call'),
  id: optString,
  call_id: z.string(),
  name: z.string(),
  arguments: z.string(),
  namespace: optString,
  status: itemStatus,
});

const functionCallOutput = z.looseObject({
  type: z.literal('function_call_output'),
  id: optString,
  call_id: z.string(),
  output: toolOutput,
  status: itemStatus,
});

const reasoning = z.looseObject({
  type: z.literal('reasoning'),
  id: optString,
  summary: z.array(z.looseObject({ type: z.literal('summary_text'), text: z.string() })),
  // Codex sends `content: null`, and `text` as well as `reasoning_text` parts.
  content: z.array(z.looseObject({ type: z.string(), text: z.string() })).nullish(),
  encrypted_content: optString,
  status: itemStatus,
});

const customToolCall = z.looseObject({
  type: z.literal('custom_tool_call'),
  id: optString,
  call_id: z.string(),
  name: z.string(),
  input: z.string(),
  namespace: optString,
  status: optString,
});

const customToolCallOutput = z.looseObject({
  type: z.literal('custom_tool_call_output'),
  id: optString,
  call_id: z.string(),
  output: toolOutput,
});

// ---- items passed through: their defining fields are checked, the rest is kept as sent ---------------

const looseBag = z.looseObject({ type: z.string() });

const passThroughItems = [
  // Codex ≥ 0.147 sends its tool definitions as an input item.
  z.looseObject({ type: z.literal('additional_tools'), tools: z.array(z.unknown()).nullish() }),
  z.looseObject({ type: z.literal('compaction'), id: optString, encrypted_content: z.string() }),
  z.looseObject({ type: z.literal('computer_call'), id: optString, call_id: z.string() }),
  z.looseObject({ type: z.literal('computer_call_output'), id: optString, call_id: z.string(), output: looseBag }),
  z.looseObject({ type: z.literal('web_search_call'), id: optString }),
  z.looseObject({ type: z.literal('file_search_call'), id: optString }),
  z.looseObject({ type: z.literal('image_generation_call'), id: optString }),
  z.looseObject({ type: z.literal('code_interpreter_call'), id: optString }),
  z.looseObject({ type: z.literal('local_shell_call'), id: optString, call_id: optString }),
  z.looseObject({ type: z.literal('local_shell_call_output'), id: optString, output: z.string() }),
  z.looseObject({ type: z.literal('shell_call'), id: optString, call_id: z.string() }),
  z.looseObject({ type: z.literal('shell_call_output'), id: optString, call_id: z.string(), output: z.array(z.unknown()) }),
  z.looseObject({ type: z.literal('apply_patch_call'), id: optString, call_id: z.string(), operation: looseBag }),
  z.looseObject({ type: z.literal('apply_patch_call_output'), id: optString, call_id: z.string(), output: optString }),
  z.looseObject({ type: z.literal('mcp_list_tools'), id: optString, server_label: z.string(), tools: z.array(z.unknown()) }),
  z.looseObject({ type: z.literal('mcp_approval_request'), id: optString, server_label: z.string(), name: z.string(), arguments: z.string() }),
  z.looseObject({ type: z.literal('mcp_approval_response'), id: optString, approval_request_id: z.string(), approve: z.boolean() }),
  z.looseObject({ type: z.literal('mcp_call'), id: optString, server_label: z.string(), name: z.string(), arguments: z.string() }),
  z.looseObject({ type: z.literal('tool_search_call'), id: optString, call_id: optString }),
  z.looseObject({ type: z.literal('tool_search_output'), id: optString, call_id: optString, tools: z.array(z.unknown()) }),
] as const;

export const inputItemSchema = z.discriminatedUnion('type', [
  typedMessage,
  untypedItem,
  itemReference,
  functionCall,
  functionCallOutput,
  reasoning,
  customToolCall,
  customToolCallOutput,
  ...passThroughItems,
]);

/** `input`: a string (one user message) or a list of items. */
export const inputSchema = z.union([z.string(), z.array(inputItemSchema)]);
