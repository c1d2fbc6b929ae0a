/**
 * What an answer may cite from hosted calls made *before* this response, in the same user turn. Clients that run
 * their own tools (the Vercel AI SDK's and the OpenAI Agents SDK's loops) split one turn over several responses:
 * the model searches and calls a client function in one response, the client runs its function, and the answer
 * comes in the next response — whose own tools returned nothing to cite. So the hosted items since the last user
 * message (in the history or resent / referenced in the input) seed the citation sources: web pages from a
 * search's `action.sources` or, on stored items, the `[n] Title — URL` lines the model was shown; files from a
 * file search's `results` (when they were included).
 */
import type { Item } from '../api/items.js';
import { MODEL_OUTPUT_KEY, type CitationSource } from './types.js';

// The numbered source lines web-search/compose.ts writes for the model.
const SOURCE_LINE = /^\[\d+\] (.*) — (https?:\/\/\S+)$/gm;

export function earlierSources(items: Item[]): CitationSource[] {
  let from = 0;
  for (let i = items.length - 1; i >= 0; i--) {
    if (items[i].type === 'message' && items[i].role === 'user') { from = i + 1; break; }
  }
  const out: CitationSource[] = [];
  for (const item of items.slice(from)) {
    if (item.type === 'web_search_call') {
      const told = item[MODEL_OUTPUT_KEY];
      if (typeof told === 'string') {
        for (const m of told.matchAll(SOURCE_LINE)) out.push({ kind: 'url', url: m[2], title: m[1] || m[2] });
      }
      const action = item.action as { sources?: { url?: unknown }[] } | undefined;
      for (const s of action?.sources ?? []) {
        if (typeof s?.url === 'string' && !out.some((o) => o.kind === 'url' && o.url === s.url)) out.push({ kind: 'url', url: s.url, title: s.url });
      }
    } else if (item.type === 'file_search_call' && Array.isArray(item.results)) {
      for (const r of item.results as { file_id?: unknown; filename?: unknown }[]) {
        if (typeof r?.file_id === 'string' && typeof r.filename === 'string') out.push({ kind: 'file', file_id: r.file_id, filename: r.filename });
      }
    }
  }
  return out;
}
