/**
 * The names under which a model is offered Switchboard's server-side tools, and back: which hosted item a call
 * of one makes. One place, because the history's hosted items are replayed to the model under the same names.
 */
import { createHash } from 'node:crypto';

export const WEB_SEARCH_FN = 'web_search';
export const WEB_OPEN_PAGE_FN = 'web_open_page';
export const WEB_FIND_FN = 'web_find_in_page';
export const FILE_SEARCH_FN = 'file_search';
export const CODE_FN = 'python';

/** Vendors take function names of [a-zA-Z0-9_-]{1,64}. */
export function mcpFunctionName(serverLabel: string, tool: string): string {
  const raw = `mcp__${serverLabel}__${tool}`.replace(/[^a-zA-Z0-9_-]/g, '_');
  if (raw.length <= 64) return raw;
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 8);
  return `${raw.slice(0, 55)}_${hash}`;
}
