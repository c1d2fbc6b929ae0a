/**
 * The server-side tools Switchboard runs itself, as configured: which hosted tool types it can run, the checks
 * a request naming them must pass before anything is stored, and a response's ToolSession (its kits, with MCP
 * tool lists and approved MCP calls done before the model's first turn). A type whose service is not configured
 * is not run here: the rule of responses/hosted-tools.ts applies to it (offered → left out; forced → 400).
 */
import type { CancelSignal } from '../api/cancellation.js';
import { ApiError } from '../api/errors.js';
import type { CreateParams, Tool } from '../api/create-params.js';
import type { Item } from '../api/items.js';
import type { RequestContext } from '../store/request-context.js';
import { CODE_FN, FILE_SEARCH_FN, WEB_SEARCH_FN, mcpFunctionName } from './function-names.js';
import { ToolSession } from './tool-session.js';
import type { ToolKit } from './types.js';
import { webSearchKit, type WebSearchEntry } from './kits/web-search-kit.js';
import { fileSearchKit, type FileSearchEntry, type VectorSearch } from './kits/file-search-kit.js';
import { codeInterpreterKit, type CodeContainers } from './kits/code-interpreter-kit.js';
import { earlierSources } from './earlier-sources.js';
import { checkApprovalResponses, prepareMcpKit, resumeApproved, type McpEntry } from './kits/mcp-kit.js';
import type { WebSearch } from './web-search/web-search.js';
import { parseFilter } from '../vector-stores/attribute-filter.js';
import type { McpOptions } from './mcp/mcp-client.js';
import { checkMcpServerUrl } from './mcp/server-address.js';
import { checkMcpHeaders } from './mcp/session-headers.js';
import type { McpOpener } from './mcp/lazy-connector.js';

export const WEB_SEARCH_TYPES = ['web_search', 'web_search_2025_08_26', 'web_search_preview', 'web_search_preview_2025_03_11'];

/** Containers as a response's code interpreter needs them. */
export interface ContainerSource extends CodeContainers {
  forCall(ctx: RequestContext, spec: unknown, reuseId?: string | null): Promise<{ id: string }>;
}

export interface ServerToolServices {
  webSearch?: WebSearch | null;
  vectorStores?: VectorSearch | null;
  mcp?: { connector: McpOpener; options: McpOptions } | null;
  containers?: ContainerSource | null;
  /** Model turns one response may take (default 10). */
  maxTurns?: number;
}

export const DEFAULT_MAX_TURNS = 10;

export class ServerTools {
  /** Hosted tool types Switchboard runs (each one's service is configured). */
  readonly types: ReadonlySet<string>;

  constructor(private readonly s: ServerToolServices = {}) {
    const types: string[] = [];
    if (s.webSearch) types.push(...WEB_SEARCH_TYPES);
    if (s.vectorStores) types.push('file_search');
    if (s.mcp) types.push('mcp');
    if (s.containers) types.push('code_interpreter');
    this.types = new Set(types);
  }

  /** What a request's server-side tool entries must satisfy before anything is stored (400 naming the entry). */
  async check(ctx: RequestContext, params: CreateParams, runTypes: ReadonlySet<string>): Promise<void> {
    const tools = params.tools ?? [];
    for (let i = 0; i < tools.length; i++) {
      const t = tools[i] as Record<string, unknown>;
      if (!runTypes.has(String(t.type))) continue;
      if (t.type === 'file_search') {
        const ids = Array.isArray(t.vector_store_ids) ? t.vector_store_ids : [];
        for (let k = 0; k < ids.length; k++) {
          if (!(await this.s.vectorStores!.exists(ctx, String(ids[k])))) {
            throw new ApiError(400, `Vector store '${String(ids[k])}' not found.`, { param: `tools[${i}].vector_store_ids[${k}]`, code: 'invalid_value' });
          }
        }
        if (t.filters != null) parseFilter(t.filters, `tools[${i}].filters`);
      } else if (t.type === 'mcp') {
        checkMcpHeaders(t.headers, `tools[${i}].headers`);
        if (typeof t.server_url === 'string') {
          await checkMcpServerUrl(t.server_url, this.s.mcp!.options, `tools[${i}].server_url`);
        } else if (typeof t.connector_id !== 'string') {
          throw new ApiError(400, "An mcp tool needs 'server_url' or 'connector_id'.", { param: `tools[${i}].server_url`, code: 'missing_required_parameter' });
        }
      }
    }
  }

  /**
   * The response's session for its tool entries of `runTypes`, or null when it has none. MCP servers are listed
   * (unless the history has their list) and approved MCP calls run now; their events lead the output.
   */
  async prepare(
    ctx: RequestContext, params: CreateParams, runTypes: ReadonlySet<string>, history: Item[], input: Item[], signal: CancelSignal,
  ): Promise<ToolSession | null> {
    const entries = (params.tools ?? []).filter((t) => runTypes.has(t.type)) as Record<string, unknown>[];
    if (!entries.length) return null;
    const include = new Set(params.include ?? []);
    const abort = toAbortSignal(signal);
    const kits: ToolKit[] = [];
    const leading = [];
    const mcpEntries: McpEntry[] = [];
    const before = [...history, ...input];
    if (entries.some((e) => e.type === 'mcp')) checkApprovalResponses(history, input);
    for (const e of entries) {
      if (WEB_SEARCH_TYPES.includes(String(e.type))) {
        if (!kits.some((k) => k.functions.some((f) => f.name === WEB_SEARCH_FN))) kits.push(webSearchKit(e as unknown as WebSearchEntry, this.s.webSearch!, include));
      } else if (e.type === 'file_search') {
        if (!kits.some((k) => k.functions.some((f) => f.name === FILE_SEARCH_FN))) kits.push(fileSearchKit(e as unknown as FileSearchEntry, this.s.vectorStores!, include));
      } else if (e.type === 'code_interpreter') {
        if (kits.some((k) => k.functions.some((f) => f.name === CODE_FN))) continue;
        let container: { id: string };
        try {
          container = await this.s.containers!.forCall(ctx, e.container ?? 'auto', lastContainer(before));
        } catch (err) {
          // An unknown or expired container named by the request: the 400 names this tool entry.
          if (err instanceof ApiError && err.status === 400) {
            throw new ApiError(400, err.message, { param: `tools[${(params.tools ?? []).indexOf(e as unknown as Tool)}].container`, code: err.code });
          }
          throw err;
        }
        kits.push(codeInterpreterKit(container.id, this.s.containers!, include));
      } else if (e.type === 'mcp') {
        const entry = e as unknown as McpEntry;
        mcpEntries.push(entry);
        const prepared = await prepareMcpKit(entry, this.s.mcp!.connector, before, abort);
        leading.push(...prepared.events);
        kits.push(prepared.kit);
      }
    }
    if (mcpEntries.length) leading.push(...await resumeApproved(mcpEntries, this.s.mcp!.connector, history, input, { ctx, signal: abort }));
    const session = new ToolSession(kits, { ctx, maxTurns: this.s.maxTurns ?? DEFAULT_MAX_TURNS });
    session.leading.push(...leading);
    // Clients that run their own tools answer in a later response than the search: its sources stay citable.
    session.addSources(earlierSources(before));
    return session;
  }
}

/**
 * The request as a function-calling model sees it: each server-run tool entry replaced by its functions, and a
 * `tool_choice` naming a hosted tool turned into the choice of its function(s).
 */
export function withToolFunctions(params: CreateParams, runTypes: ReadonlySet<string>, session: ToolSession, noTools = false): CreateParams {
  const tools: Tool[] = [];
  let added = false;
  for (const t of params.tools ?? []) {
    if (!runTypes.has(t.type)) tools.push(t);
    else if (!added) {
      added = true;
      tools.push(...(session.functions as unknown as Tool[]));
    }
  }
  const out: CreateParams = { ...params, tools };
  if (noTools) out.tool_choice = 'none';
  else if (params.tool_choice && typeof params.tool_choice === 'object') out.tool_choice = mapChoice(params.tool_choice as Record<string, unknown>, runTypes, session);
  return out;
}

function mapChoice(choice: Record<string, unknown>, runTypes: ReadonlySet<string>, session: ToolSession): CreateParams['tool_choice'] {
  const type = String(choice.type);
  if (type === 'allowed_tools') {
    const entries = Array.isArray(choice.tools) ? (choice.tools as Record<string, unknown>[]) : [];
    const mapped = entries.flatMap((e) => runTypes.has(String(e.type)) ? functionsFor(e, session).map((name) => ({ type: 'function', name })) : [e]);
    return { ...choice, tools: mapped } as CreateParams['tool_choice'];
  }
  if (!runTypes.has(type)) return choice as CreateParams['tool_choice'];
  const names = functionsFor(choice, session);
  if (names.length === 1) return { type: 'function', name: names[0] } as CreateParams['tool_choice'];
  if (!names.length) return 'auto';
  return { type: 'allowed_tools', mode: 'required', tools: names.map((name) => ({ type: 'function', name })) } as CreateParams['tool_choice'];
}

/** The functions standing for a hosted tool (choice): a search is its search function, MCP its server's tools. */
function functionsFor(e: Record<string, unknown>, session: ToolSession): string[] {
  const type = String(e.type);
  if (WEB_SEARCH_TYPES.includes(type)) return [WEB_SEARCH_FN];
  if (type === 'file_search') return [FILE_SEARCH_FN];
  if (type === 'code_interpreter') return [CODE_FN];
  if (type === 'mcp') {
    const label = String(e.server_label);
    if (typeof e.name === 'string') return [mcpFunctionName(label, e.name)];
    const prefix = mcpFunctionName(label, '');
    return session.functions.map((f) => f.name).filter((n) => n.startsWith(prefix));
  }
  return [];
}

/** The container of the conversation's latest code interpreter call (a container lives for the conversation). */
function lastContainer(items: Item[]): string | null {
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i];
    if (it.type === 'code_interpreter_call' && typeof it.container_id === 'string') return it.container_id;
  }
  return null;
}

/** A CancelSignal as the AbortSignal the tool services (undici, the MCP SDK) take. */
export function toAbortSignal(signal: CancelSignal): AbortSignal {
  if (signal instanceof AbortSignal) return signal;
  const ac = new AbortController();
  if (signal.aborted) ac.abort();
  else signal.addEventListener('abort', () => ac.abort(), { once: true });
  return ac.signal;
}
