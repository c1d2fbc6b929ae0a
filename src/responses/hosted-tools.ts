/**
 * Hosted tools (`web_search`, `file_search`, `mcp`, `code_interpreter`, `image_generation`, `local_shell`…: any
 * tool type other than function / namespace / custom) run where they are hosted, not in the client. OpenAI runs
 * them for the `openai` kind; function-calling vendors cannot, so Switchboard runs those it has a service for
 * (tools/server-tools.ts: web search, file search, MCP, code interpreter — each when configured), for every
 * kind, and for the `openai` kind too when its provider is configured `server_tools: switchboard`.
 *
 * Offering a tool is not asking for it: Codex offers `web_search` on every request, and refusing the request for
 * it made Codex unusable on every other vendor. So a hosted tool the client merely offers, that the provider
 * cannot run and Switchboard does not run, is left out of what the model sees; the request goes on, and the
 * omission is reported (`x-switchboard-omitted-tools` header, a debug log line). A `tool_choice` that forces
 * such a tool is a request for something that cannot happen: a 400 naming `tool_choice` — or, for a provider
 * configured `drop_unsupported`, the choice is dropped and reported like any other parameter.
 */
import { ApiError } from '../api/errors.js';
import type { CreateParams, Tool } from '../api/create-params.js';
import type { Provider } from '../providers/types.js';

const NONE: ReadonlySet<string> = new Set<string>();

/** Tool-choice object types that name client-side tools, not a hosted one. */
const CLIENT_CHOICE_TYPES = new Set(['function', 'custom', 'allowed_tools']);

export interface OfferedTools {
  params: CreateParams;
  /** Tool types left out, deduplicated, in the order first offered. */
  omitted: string[];
  /** `tool_choice` when it was dropped (drop_unsupported) because it forced a tool that was left out. */
  dropped: string[];
  /** Offered hosted tool types Switchboard runs for this provider (the agent loop's tools). */
  serverRun: ReadonlySet<string>;
}

/**
 * `switchboardRuns`: the hosted types Switchboard has a service for; `preferSwitchboard`: a provider whose
 * vendor runs hosted tools itself (the openai kind) leaves those to Switchboard instead.
 */
export function leaveOutUnrunnableTools(
  params: CreateParams, provider: Provider, dropUnsupported: boolean, switchboardRuns: ReadonlySet<string> = NONE, preferSwitchboard = false,
): OfferedTools {
  const hostedBy = provider.supportedToolTypes;
  if (!hostedBy) {
    // The vendor runs every type itself, unless the operator prefers Switchboard's own tools.
    if (!preferSwitchboard || !params.tools?.length) return { params, omitted: [], dropped: [], serverRun: NONE };
    return { params, omitted: [], dropped: [], serverRun: offeredOf(params.tools, switchboardRuns) };
  }
  const runnable = (type: string) => hostedBy.has(type) || switchboardRuns.has(type);

  const offered: Tool[] = params.tools ?? [];
  const kept = offered.filter((t) => runnable(t.type));
  const omitted = [...new Set(offered.filter((t) => !runnable(t.type)).map((t) => t.type))];

  const forced = forcedUnrunnable(params.tool_choice, runnable, offered.length > 0 && kept.length === 0 ? omitted : null);
  const dropped: string[] = [];
  let out = kept.length === offered.length ? params : { ...params, tools: kept };
  if (forced) {
    if (!dropUnsupported) {
      throw new ApiError(400, `tool_choice ${forced}, which provider '${provider.name}' (kind ${provider.kind}) cannot run ` +
        `and Switchboard does not run here${configHint(params.tool_choice)}.`, { param: 'tool_choice', code: 'unsupported_parameter' });
    }
    out = { ...out, tool_choice: null };
    dropped.push('tool_choice');
  }
  const serverRun = switchboardRuns.size && kept.length ? offeredOf(kept.filter((t) => !hostedBy.has(t.type)), switchboardRuns) : NONE;
  return { params: out, omitted, dropped, serverRun };
}

function offeredOf(tools: Tool[], types: ReadonlySet<string>): ReadonlySet<string> {
  const found = tools.filter((t) => types.has(t.type)).map((t) => t.type);
  return found.length ? new Set(found) : NONE;
}

/** How the choice forces a tool that cannot run here (for the message), or null when it does not. */
function forcedUnrunnable(
  choice: CreateParams['tool_choice'],
  runnable: (type: string) => boolean,
  /** Every offered tool's type, when every one was left out. */
  allOmitted: string[] | null,
): string | null {
  if (choice === 'required') {
    return allOmitted ? `'required' forces a tool call, but every offered tool is a hosted one (${quoted(allOmitted)})` : null;
  }
  if (!choice || typeof choice !== 'object') return null;
  const c = choice as Record<string, unknown>;
  const type = String(c.type);
  if (!CLIENT_CHOICE_TYPES.has(type)) return runnable(type) ? null : `forces the hosted tool '${type}'`;
  if (type !== 'allowed_tools' || c.mode !== 'required') return null;
  const entries = Array.isArray(c.tools) ? (c.tools as { type?: unknown }[]) : [];
  if (!entries.length || entries.some((e) => runnable(String(e.type)))) return null;
  return `requires one of the allowed tools (${quoted([...new Set(entries.map((e) => String(e.type)))])})`;
}

/** Where the configuration that would let Switchboard run the forced tool lives. */
const CONFIG_OF: Record<string, string> = {
  web_search: 'tools.web_search (a search backend)', web_search_2025_08_26: 'tools.web_search (a search backend)',
  web_search_preview: 'tools.web_search (a search backend)', web_search_preview_2025_03_11: 'tools.web_search (a search backend)',
  file_search: 'tools.file_search', mcp: 'tools.mcp', code_interpreter: 'tools.code_interpreter',
};

function configHint(choice: CreateParams['tool_choice']): string {
  const type = choice && typeof choice === 'object' ? String((choice as Record<string, unknown>).type) : '';
  return Object.hasOwn(CONFIG_OF, type) ? ` (it needs ${CONFIG_OF[type]} in the configuration)` : '';
}

function quoted(types: string[]): string {
  return types.map((t) => `'${t}'`).join(', ');
}
