/**
 * Validates the body of `POST /v1/responses` into `CreateParams`.
 *
 * Accepts the whole create-parameter set of the OpenAI Responses API (openai SDK types) and the Open
 * Responses `CreateResponseBody`, plus the sampling extras other vendors take (`seed`, `stop`, `top_k`,
 * `repetition_penalty`) and the fields real clients send (`client_metadata`, `safeguards`, top-level
 * `reasoning_effort`). Top level is strict — an unknown parameter is a 400, so a setting is never silently
 * dropped — while items, parts and tools are loose (see item-schemas.ts). `null` is accepted for every
 * optional field and means "not set".
 *
 * The schema is built and AOT-compiled once at module load: this runs on every request.
 */
import { z } from 'zod';
import type { CreateParams } from './create-params.js';
import { inputSchema } from './item-schemas.js';
import { checkJsonDepth } from './json-depth.js';
import { checkRequestSchemas } from './request-json-schemas.js';
import { toolChoiceSchema, toolSchema } from './tool-schemas.js';
import { describeIssue, problem, toValidationError, type Problem } from './validation-error.js';

const optString = z.string().nullish();
const optBool = z.boolean().nullish();
const jsonObject = z.record(z.string(), z.unknown());

const EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;
const effort = z.enum(EFFORTS);
const summary = z.enum(['auto', 'concise', 'detailed']);

const textFormat = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text') }),
  z.strictObject({ type: z.literal('json_object') }),
  z.strictObject({
    type: z.literal('json_schema'),
    name: z.string().max(64).regex(/^[a-zA-Z0-9_-]+$/),
    schema: jsonObject,
    description: z.string().optional(),
    strict: optBool,
  }),
]);

const METADATA_MAX_KEYS = 16;
export const metadata = z
  .record(z.string().max(64), z.string().max(512))
  .refine((m) => Object.keys(m).length <= METADATA_MAX_KEYS, {
    message: `expected at most ${METADATA_MAX_KEYS} keys`,
  });

export const requestSchema = z.strictObject({
  model: z.string().min(1),
  input: inputSchema.nullish(),
  instructions: optString,
  previous_response_id: optString,
  conversation: z.union([z.string(), z.looseObject({ id: z.string() })]).nullish(),
  prompt: z.looseObject({ id: z.string(), version: optString, variables: jsonObject.nullish() }).nullish(),
  include: z.array(z.string()).nullish(),

  tools: z.array(toolSchema).nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  parallel_tool_calls: optBool,
  max_tool_calls: z.int().min(1).nullish(),

  max_output_tokens: z.int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.int().min(1).nullish(),
  top_logprobs: z.int().min(0).max(20).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  repetition_penalty: z.number().gt(0).nullish(),
  seed: z.int().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),

  reasoning: z
    .strictObject({ effort: effort.nullish(), summary: summary.nullish(), generate_summary: summary.nullish() })
    .nullish(),
  reasoning_effort: effort.nullish(),
  text: z
    .strictObject({ format: textFormat.nullish(), verbosity: z.enum(['low', 'medium', 'high']).nullish() })
    .nullish(),
  truncation: z.enum(['auto', 'disabled']).nullish(),

  store: optBool,
  stream: optBool,
  stream_options: z.looseObject({ include_obfuscation: optBool, include_usage: optBool }).nullish(),
  background: optBool,
  metadata: metadata.nullish(),
  service_tier: z.string().min(1).max(64).nullish(),
  user: z.string().min(1).max(200).nullish(),
  safety_identifier: z.string().max(64).nullish(),
  prompt_cache_key: z.string().max(64).nullish(),
  prompt_cache_retention: optString,
  context_management: z
    .union([z.array(z.looseObject({ type: z.string(), compact_threshold: z.number().nullish() })), z.looseObject({})])
    .nullish(),
  client_metadata: jsonObject.nullish(),
  safeguards: jsonObject.nullish(),
});

const compiledSchema = z.compile(requestSchema);

/** Hoisted so a parse allocates no options object; zod copies it per call. */
const PARSE_OPTIONS = { error: describeIssue };

/** Throws `ApiError` 400 (`invalid_request_error`) listing every problem; returns the body as CreateParams. */
export function parseCreateParams(body: unknown): CreateParams {
  checkJsonDepth(body);
  const result = compiledSchema.safeParse(body, PARSE_OPTIONS);
  const extra = [reasoningEffortConflict(body), nothingToAnswer(body), protoMetadataKey(body)].filter((p): p is Problem => !!p);
  if (!result.success) throw toValidationError(result.error.issues, body, extra);
  if (extra.length) throw toValidationError([], body, extra);
  const params = result.data as CreateParams;
  checkRequestSchemas(params);
  return mergeReasoningEffort(params);
}

/**
 * A create needs something for the model to answer: `input`, or a context to continue (`previous_response_id`,
 * `conversation`, a stored `prompt`). Without any, the upstream call would carry an empty conversation.
 */
function nothingToAnswer(body: unknown): Problem | undefined {
  if (!isRecord(body)) return undefined;
  const input = body.input;
  const empty = input === undefined || input === null || (Array.isArray(input) && input.length === 0);
  if (!empty) return undefined;
  if ([body.previous_response_id, body.conversation, body.prompt].some((v) => v !== undefined && v !== null)) return undefined;
  const what = Array.isArray(input) ? `'input' is empty` : `Missing required parameter: 'input'`;
  return {
    path: ['input'],
    code: 'missing_required_parameter',
    text: `${what}: give the model something to answer, or continue a response with 'previous_response_id'.`,
  };
}

/**
 * Parsing drops a `__proto__` key from a record (it would set the object's prototype): for `metadata`, which is
 * stored and echoed, say so rather than lose the client's key silently.
 */
function protoMetadataKey(body: unknown): Problem | undefined {
  if (!isRecord(body) || !isRecord(body.metadata) || !Object.hasOwn(body.metadata, '__proto__')) return undefined;
  return problem(['metadata', '__proto__'], 'invalid_value', 'a metadata key cannot be named __proto__');
}

/** Top-level `reasoning_effort` is an alias of `reasoning.effort`; both set to different values is ambiguous. */
function reasoningEffortConflict(body: unknown): Problem | undefined {
  if (!isRecord(body) || typeof body.reasoning_effort !== 'string' || !isRecord(body.reasoning)) return undefined;
  const nested = body.reasoning.effort;
  if (typeof nested !== 'string' || nested === body.reasoning_effort) return undefined;
  return problem(
    ['reasoning_effort'],
    'invalid_value',
    `'${body.reasoning_effort}' conflicts with 'reasoning.effort' ('${nested}'); set one of them, or both to the same value`,
  );
}

function mergeReasoningEffort(params: CreateParams): CreateParams {
  const alias = params.reasoning_effort;
  if (alias === undefined) return params;
  delete params.reasoning_effort;
  if (alias === null) return params;
  params.reasoning = { ...(params.reasoning ?? {}), effort: alias };
  return params;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
