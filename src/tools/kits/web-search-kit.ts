/**
 * `web_search` / `web_search_preview` run by Switchboard: the model is offered three functions (search, open a
 * page, find in a page); each call becomes a `web_search_call` item with the matching `action`, its events
 * (`in_progress` → `searching` → `completed`), and sources the answer can cite as `url_citation`s.
 * `action.sources` is shown only with `include: ["web_search_call.action.sources"]`.
 */
import { newId } from '../../api/ids.js';
import type { Item } from '../../api/items.js';
import { WEB_FIND_FN, WEB_OPEN_PAGE_FN, WEB_SEARCH_FN } from '../function-names.js';
import type { CallIO, CallOutcome, CitationSource, HostedCall, ModelFunction, ToolKit } from '../types.js';
import { parseArgs } from './kit-args.js';
import type { ContextSize, WebSearch, WebSource } from '../web-search/index.js';

export interface WebSearchEntry {
  type: string;
  filters?: { allowed_domains?: string[] | null } | null;
  user_location?: Record<string, unknown> | null;
  search_context_size?: ContextSize | null;
  /** Codex's flag: false asks for no live access to the web (then: the index's snippets, no page is opened). */
  external_web_access?: boolean | null;
}

export function webSearchKit(entry: WebSearchEntry, search: WebSearch, include: ReadonlySet<string>): ToolKit {
  const allowed = entry.filters?.allowed_domains ?? undefined;
  const size = entry.search_context_size ?? undefined;
  const showSources = include.has('web_search_call.action.sources');
  const domains = allowed?.length ? ` Only these domains are searched: ${allowed.join(', ')}.` : '';
  const live = entry.external_web_access !== false;
  const functions: ModelFunction[] = [
    {
      type: 'function', name: WEB_SEARCH_FN, strict: false,
      description: `Search the web. Returns numbered results with excerpts; cite what you use as markdown links [title](url).${domains}`,
      parameters: { type: 'object', properties: { query: { type: 'string', description: 'The search query.' } }, required: ['query'], additionalProperties: false },
    },
    {
      type: 'function', name: WEB_OPEN_PAGE_FN, strict: false,
      description: 'Open a web page (usually a search result) and read its text.',
      parameters: { type: 'object', properties: { url: { type: 'string' } }, required: ['url'], additionalProperties: false },
    },
    {
      type: 'function', name: WEB_FIND_FN, strict: false,
      description: 'Find a word or phrase in a web page; returns the passages around each match.',
      parameters: { type: 'object', properties: { url: { type: 'string' }, pattern: { type: 'string' } }, required: ['url', 'pattern'], additionalProperties: false },
    },
  ];
  return {
    type: entry.type,
    // Without live web access the model can search (the backend's index) but not open pages.
    functions: live ? functions : functions.slice(0, 1),
    call(name): HostedCall {
      const id = newId('ws');
      return {
        early: false,
        initial: (args) => ({ id, type: 'web_search_call', status: 'in_progress', action: actionOf(name, parseArgs(args)) }),
        started: () => [{ name: 'web_search_call.in_progress' }],
        run: (args, io) => runCall(name, parseArgs(args), io),
      };
    },
  };

  async function runCall(name: string, a: Record<string, unknown>, io: CallIO): Promise<CallOutcome> {
    io.progress('web_search_call.searching');
    const base = (action: Record<string, unknown>, status: string): Item => ({ type: 'web_search_call', status, action });
    const cite = (sources: WebSource[]): CitationSource[] => sources.map((s) => ({ kind: 'url', url: s.url, title: s.title ?? s.url }));
    const pageOpts = { allowedDomains: allowed, contextSize: size };
    try {
      if (name === WEB_SEARCH_FN) {
        const query = String(a.query ?? '');
        const r = await search.search({
          query, allowedDomains: allowed, userLocation: (entry.user_location ?? null) as never, contextSize: size, fetchPages: live,
        }, io.signal);
        io.progress('web_search_call.completed');
        return {
          // OpenAI's action.sources entries are {type, url} only.
          item: base({ type: 'search', query, ...(showSources ? { sources: r.sources.map((s) => ({ type: 'url', url: s.url })) } : {}) }, 'completed'),
          output: r.text,
          sources: cite(r.sources),
        };
      }
      const url = String(a.url ?? '');
      if (name === WEB_OPEN_PAGE_FN) {
        const r = await search.openPage(url, io.signal, pageOpts);
        io.progress('web_search_call.completed');
        return { item: base({ type: 'open_page', url }, 'completed'), output: r.text, sources: cite(r.sources) };
      }
      const pattern = String(a.pattern ?? '');
      const r = await search.find(url, pattern, io.signal, pageOpts);
      io.progress('web_search_call.completed');
      return { item: base(actionOf(name, a), 'completed'), output: r.text, sources: cite(r.sources) };
    } catch (err) {
      if (io.signal.aborted) throw err;
      const message = err instanceof Error ? err.message : String(err);
      return { item: base(actionOf(name, a), 'failed'), output: `The web search failed: ${message}` };
    }
  }
}

function actionOf(name: string, a: Record<string, unknown>): Record<string, unknown> {
  if (name === WEB_OPEN_PAGE_FN) return { type: 'open_page', url: String(a.url ?? '') };
  // `find_in_page`, as the openai package (6.x) types it; the Vercel AI SDK (@ai-sdk/openai 3.x) rejects the whole
  // response or stream on an older `find`. (Items stored as `find` still replay: model-view.ts reads both.)
  if (name === WEB_FIND_FN) return { type: 'find_in_page', url: String(a.url ?? ''), pattern: String(a.pattern ?? '') };
  return { type: 'search', query: String(a.query ?? '') };
}
