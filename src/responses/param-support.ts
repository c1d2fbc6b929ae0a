/**
 * "A parameter the chosen provider cannot honour is never silently dropped": every request field that is set
 * (and not at its neutral default) must be handled by Switchboard itself or honoured by the provider; anything
 * else is a 400 `unsupported_parameter`, or — for providers configured `drop_unsupported: true` — removed and
 * reported in the `x-switchboard-dropped-params` response header. Hosted tools a provider cannot run are another
 * matter (hosted-tools.ts): offered ones are left out, whatever `drop_unsupported` says.
 */
import { ApiError } from '../api/errors.js';
import type { CreateParams } from '../api/create-params.js';
import type { Provider } from '../providers/types.js';
import { leaveOutUnrunnableTools } from './hosted-tools.js';

/** Fields Switchboard itself acts on, whatever the provider. */
export const SERVICE_PARAMS: ReadonlySet<string> = new Set([
  'model', 'input', 'instructions', 'previous_response_id', 'conversation', 'include', 'metadata', 'store', 'stream',
  'stream_options', 'safeguards', 'client_metadata', 'background',
  // Enforced by the ResponseBuilder for every provider: calls past the limit are ignored, as OpenAI documents.
  'max_tool_calls',
  // Context management (context/context-manager.ts): Switchboard truncates and compacts for every kind; the
  // openai kind also receives `truncation` (OpenAI truncates itself).
  'truncation', 'context_management',
  // Advisory hints with no effect on the generated text: forwarded to vendors that have an equivalent.
  'prompt_cache_key', 'prompt_cache_retention', 'safety_identifier', 'user',
]);

/** Values equal to the API's documented default change nothing, so any provider honours them. */
const NEUTRAL: Record<string, (v: unknown) => boolean> = {
  parallel_tool_calls: (v) => v === true,
  top_logprobs: (v) => v === 0,
  background: (v) => v === false,
  service_tier: (v) => v === 'auto' || v === 'default',
  tools: (v) => Array.isArray(v) && v.length === 0,
  tool_choice: (v) => v === 'auto',
  text: (v) => isPlainTextFormat(v),
  reasoning: (v) => !!v && typeof v === 'object' && Object.values(v).every((x) => x === null || x === undefined),
};

function isPlainTextFormat(v: unknown): boolean {
  if (!v || typeof v !== 'object') return false;
  const t = v as { format?: { type?: string }; verbosity?: unknown };
  return (t.format === undefined || t.format?.type === 'text') && (t.verbosity === undefined || t.verbosity === null);
}

/** Not implemented yet anywhere: rejected for every provider, with a message saying so. */
const NOT_YET: Record<string, string> = {
  prompt: 'Stored prompt templates are not supported.',
};

/**
 * Returns the params to send (dropped fields and left-out hosted tools removed), the names dropped and the
 * hosted tool types left out (hosted-tools.ts). Throws on the first unsupported field.
 */
export function checkParamSupport(
  params: CreateParams,
  provider: Provider,
  dropUnsupported: boolean,
  /** Hosted tool types Switchboard runs (tools/server-tools.ts), and whether this provider prefers them to its vendor's. */
  serverTools: { types: ReadonlySet<string>; preferSwitchboard: boolean } = { types: new Set(), preferSwitchboard: false },
): { params: CreateParams; dropped: string[]; omitted: string[]; serverRun: ReadonlySet<string> } {
  const dropped: string[] = [];
  let out = params;
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || SERVICE_PARAMS.has(key)) continue;
    if (Object.hasOwn(NEUTRAL, key) && NEUTRAL[key](value)) continue;
    if (provider.supportedParams.has(key)) continue;
    if (Object.hasOwn(NOT_YET, key)) throw new ApiError(400, NOT_YET[key], { param: key, code: 'unsupported_parameter' });
    if (dropUnsupported) {
      if (out === params) out = { ...params };
      delete (out as unknown as Record<string, unknown>)[key];
      dropped.push(key);
      continue;
    }
    throw new ApiError(400, `Parameter '${key}' is not supported by provider '${provider.name}' (kind ${provider.kind}).`, {
      param: key, code: 'unsupported_parameter',
    });
  }
  const offered = leaveOutUnrunnableTools(out, provider, dropUnsupported, serverTools.types, serverTools.preferSwitchboard);
  return { params: offered.params, dropped: [...dropped, ...offered.dropped], omitted: offered.omitted, serverRun: offered.serverRun };
}
