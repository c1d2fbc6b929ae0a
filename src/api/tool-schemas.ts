/**
 * Wire schemas for `tools` and `tool_choice`.
 *
 * Tools are discriminated on `type`; an unknown type is a 400 at `tools[i].type`. The tools Switchboard
 * turns into model-visible definitions (`function`, `custom`, `namespace`) are checked field by field;
 * hosted tools are checked for the fields that define them and otherwise passed through, loose, for the
 * engine to honour or refuse.
 */
import { z } from 'zod';

const optString = z.string().nullish();
const optBool = z.boolean().nullish();
const jsonObject = z.record(z.string(), z.unknown());

/** OpenAI's rule for function and custom tool names. */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

const functionTool = z.looseObject({
  type: z.literal('function'),
  name: z.string().regex(TOOL_NAME),
  description: optString,
  parameters: jsonObject.nullish(),
  strict: optBool,
  defer_loading: optBool,
});

const customToolFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('grammar'), syntax: z.enum(['lark', 'regex']), definition: z.string() }),
]);

const customTool = z.looseObject({
  type: z.literal('custom'),
  name: z.string().regex(TOOL_NAME),
  description: optString,
  format: customToolFormat.nullish(),
  defer_loading: optBool,
});

const namespaceTool = z.looseObject({
  type: z.literal('namespace'),
  name: z.string().min(1),
  description: optString,
  tools: z.array(z.discriminatedUnion('type', [functionTool, customTool])),
});

const hostedTools = [
  z.looseObject({ type: z.literal(['web_search', 'web_search_2025_08_26']) }),
  z.looseObject({ type: z.literal(['web_search_preview', 'web_search_preview_2025_03_11']) }),
  z.looseObject({ type: z.literal('file_search'), vector_store_ids: z.array(z.string()) }),
  z.looseObject({ type: z.literal('mcp'), server_label: z.string() }),
  z.looseObject({ type: z.literal('code_interpreter'), container: z.union([z.string(), z.looseObject({})]) }),
  z.looseObject({ type: z.literal('image_generation') }),
  z.looseObject({ type: z.literal('computer') }),
  z.looseObject({ type: z.literal('computer_use_preview') }),
  z.looseObject({ type: z.literal('local_shell') }),
  z.looseObject({ type: z.literal('shell') }),
  z.looseObject({ type: z.literal('apply_patch') }),
  z.looseObject({ type: z.literal('tool_search') }),
] as const;

export const toolSchema = z.discriminatedUnion('type', [functionTool, customTool, namespaceTool, ...hostedTools]);

const toolChoiceObject = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('function'), name: z.string() }),
  z.looseObject({ type: z.literal('custom'), name: z.string() }),
  z.looseObject({
    type: z.literal('allowed_tools'),
    // Open Responses makes `mode` optional and allows `none`; the openai SDK requires auto|required.
    mode: z.enum(['none', 'auto', 'required']).optional(),
    tools: z.array(z.looseObject({ type: z.string() })),
  }),
  z.looseObject({ type: z.literal('mcp'), server_label: z.string(), name: optString }),
  z.looseObject({
    type: z.literal([
      'file_search',
      'web_search',
      'web_search_2025_08_26',
      'web_search_preview',
      'web_search_preview_2025_03_11',
      'computer',
      'computer_use',
      'computer_use_preview',
      'image_generation',
      'code_interpreter',
      'local_shell',
      'shell',
      'apply_patch',
    ]),
  }),
]);

export const toolChoiceSchema = z.union([z.enum(['none', 'auto', 'required']), toolChoiceObject]);
