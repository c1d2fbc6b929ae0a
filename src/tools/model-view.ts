/**
 * The history as a function-calling model sees it. Hosted-tool items (`web_search_call`, `file_search_call`,
 * `code_interpreter_call`, `mcp_call`) have no form in Chat Completions, Anthropic or Gemini: each becomes the
 * function call the model made and its output, under the names the model is offered (function-names.ts), so a
 * later turn — or the next step of the agent loop — shows the model exactly what it asked and was told. MCP
 * bookkeeping items (`mcp_list_tools`, approval requests and responses) are not shown, except a denied approval,
 * which the model is told about. Anything else is left as it is.
 */
import type { Item } from '../api/items.js';
import type { ProviderConfig } from '../config/types.js';
import type { Provider } from '../providers/types.js';
import { CODE_FN, FILE_SEARCH_FN, mcpFunctionName, WEB_FIND_FN, WEB_OPEN_PAGE_FN, WEB_SEARCH_FN } from './function-names.js';
import { MODEL_OUTPUT_KEY, SERVER_RUN_CALL_TYPES } from './types.js';

const HOSTED = new Set([...SERVER_RUN_CALL_TYPES, 'mcp_list_tools', 'mcp_approval_request', 'mcp_approval_response', 'compaction']);

/**
 * The items as a route's model sees them: a vendor that runs hosted tools itself (the openai kind, unless
 * configured `server_tools: switchboard`) gets them as they are; a function-calling model gets the model view.
 */
export function viewFor(route: { provider: Pick<Provider, 'supportedToolTypes'>; config: Pick<ProviderConfig, 'serverTools'> }, items: Item[]): Item[] {
  const vendorRuns = route.provider.supportedToolTypes === undefined && route.config.serverTools !== 'switchboard';
  return vendorRuns ? items : modelView(items);
}

/** `items` unchanged (the same array) when none needs rewriting: the common case costs one pass. */
export function modelView(items: Item[]): Item[] {
  let found = false;
  for (const item of items) if (HOSTED.has(item.type)) { found = true; break; }
  if (!found) return items;
  const denials = new Map<string, string>();
  for (const item of items) {
    if (item.type === 'mcp_approval_response' && item.approve === false) {
      denials.set(String(item.approval_request_id), typeof item.reason === 'string' && item.reason ? item.reason : '');
    }
  }
  const out: Item[] = [];
  for (const item of items) {
    switch (item.type) {
      case 'web_search_call': case 'file_search_call': case 'code_interpreter_call': case 'mcp_call': {
        const call = asCall(item);
        out.push(
          { type: 'function_call', call_id: callIdOf(item), name: call.name, arguments: call.args, status: 'completed' },
          { type: 'function_call_output', call_id: callIdOf(item), output: modelOutputOf(item) },
        );
        break;
      }
      case 'mcp_approval_request':
        if (denials.has(String(item.id))) {
          const reason = denials.get(String(item.id));
          out.push(
            { type: 'function_call', call_id: callIdOf(item), name: mcpFunctionName(String(item.server_label), String(item.name)), arguments: String(item.arguments ?? '{}'), status: 'completed' },
            { type: 'function_call_output', call_id: callIdOf(item), output: `The user denied this call${reason ? `: ${reason}` : '.'}` },
          );
        }
        break;
      case 'mcp_list_tools': case 'mcp_approval_response':
        break;
      case 'compaction':
        // Only an output's leading compaction item reaches here (history has them expanded already): the
        // model's input already holds what it stands for.
        break;
      default:
        out.push(item);
    }
  }
  return out;
}

function callIdOf(item: Item): string {
  return String(item.id ?? 'call');
}

function asCall(item: Item): { name: string; args: string } {
  switch (item.type) {
    case 'web_search_call': {
      const a = (item.action ?? {}) as Record<string, unknown>;
      if (a.type === 'open_page') return { name: WEB_OPEN_PAGE_FN, args: JSON.stringify({ url: a.url ?? '' }) };
      if (a.type === 'find' || a.type === 'find_in_page') return { name: WEB_FIND_FN, args: JSON.stringify({ url: a.url ?? '', pattern: a.pattern ?? '' }) };
      return { name: WEB_SEARCH_FN, args: JSON.stringify({ query: a.query ?? (Array.isArray(a.queries) ? a.queries[0] : '') ?? '' }) };
    }
    case 'file_search_call':
      return { name: FILE_SEARCH_FN, args: JSON.stringify({ queries: Array.isArray(item.queries) ? item.queries : [] }) };
    case 'code_interpreter_call':
      return { name: CODE_FN, args: JSON.stringify({ code: typeof item.code === 'string' ? item.code : '' }) };
    default: // mcp_call
      return { name: mcpFunctionName(String(item.server_label), String(item.name)), args: typeof item.arguments === 'string' ? item.arguments : '{}' };
  }
}

/** What the model was told: kept on the stored item, else rebuilt from what a client echoed back. */
function modelOutputOf(item: Item): string {
  const kept = item[MODEL_OUTPUT_KEY];
  if (typeof kept === 'string') return kept;
  switch (item.type) {
    case 'mcp_call':
      if (item.error != null) return `Error: ${typeof item.error === 'string' ? item.error : JSON.stringify(item.error)}`;
      return typeof item.output === 'string' ? item.output : JSON.stringify(item.output ?? '');
    case 'code_interpreter_call': {
      const outputs = Array.isArray(item.outputs) ? (item.outputs as Record<string, unknown>[]) : [];
      const logs = outputs.filter((o) => o.type === 'logs').map((o) => String(o.logs)).join('\n');
      return logs || '(The output of this run was not kept.)';
    }
    case 'file_search_call': {
      const results = Array.isArray(item.results) ? (item.results as Record<string, unknown>[]) : [];
      if (!results.length) return '(The results of this search were not kept.)';
      return results.map((r, i) => `[${i + 1}] ${String(r.filename ?? r.file_id)}\n${String(r.text ?? '')}`).join('\n\n');
    }
    default: { // web_search_call
      const a = (item.action ?? {}) as Record<string, unknown>;
      const sources = Array.isArray(a.sources) ? (a.sources as Record<string, unknown>[]) : [];
      if (!sources.length) return '(The results of this search were not kept.)';
      return sources.map((s, i) => `[${i + 1}] ${String(s.url)}`).join('\n');
    }
  }
}
