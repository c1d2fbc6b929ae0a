/**
 * `file_search` run by Switchboard over its own vector stores: the model is offered one function taking search
 * queries; each call becomes a `file_search_call` item (`queries`, `results` with `include:
 * ["file_search_call.results"]`), events `in_progress` → `searching` → `completed`, and the files found are
 * sources the answer can cite (`file_citation`).
 */
import { newId } from '../../api/ids.js';
import type { RequestContext } from '../../store/request-context.js';
import { FILE_SEARCH_FN } from '../function-names.js';
import type { CallIO, CallOutcome, HostedCall, ToolKit } from '../types.js';
import { parseArgs } from './kit-args.js';

export interface FileSearchHit { file_id: string; filename: string; score: number; attributes: Record<string, unknown> | null; text: string }

/** The part of the vector store service a response's file search uses. */
export interface VectorSearch {
  search(ctx: RequestContext, vectorStoreIds: string[], query: string | string[], opts: {
    filters?: unknown; maxNumResults?: number; scoreThreshold?: number;
  }): Promise<FileSearchHit[]>;
  exists(ctx: RequestContext, vectorStoreId: string): Promise<boolean>;
}

export interface FileSearchEntry {
  type: 'file_search';
  vector_store_ids: string[];
  filters?: unknown;
  max_num_results?: number | null;
  ranking_options?: { score_threshold?: number | null } | null;
}

/** Characters of one result's text the model is shown. */
const RESULT_CHARS = 4000;

export function fileSearchKit(entry: FileSearchEntry, stores: VectorSearch, include: ReadonlySet<string>): ToolKit {
  const showResults = include.has('file_search_call.results');
  return {
    type: 'file_search',
    functions: [{
      type: 'function', name: FILE_SEARCH_FN, strict: false,
      description: "Search the user's files (documents in their vector stores). Give one or more queries; returns the most relevant passages with their file names. Mention the file name of each passage you use.",
      parameters: {
        type: 'object',
        properties: { queries: { type: 'array', items: { type: 'string' }, description: 'Search queries, each a short phrase.' } },
        required: ['queries'], additionalProperties: false,
      },
    }],
    call(): HostedCall {
      const id = newId('fs');
      return {
        early: false,
        initial: (args) => ({ id, type: 'file_search_call', status: 'in_progress', queries: queriesOf(args), results: null }),
        started: () => [{ name: 'file_search_call.in_progress' }],
        run: (args, io) => run(queriesOf(args), io),
      };
    },
  };

  async function run(queries: string[], io: CallIO): Promise<CallOutcome> {
    io.progress('file_search_call.searching');
    try {
      const hits = await stores.search(io.ctx, entry.vector_store_ids, queries.length === 1 ? queries[0] : queries, {
        filters: entry.filters ?? undefined,
        maxNumResults: entry.max_num_results ?? undefined,
        scoreThreshold: entry.ranking_options?.score_threshold ?? undefined,
      });
      if (io.signal.aborted) throw new Error('aborted');
      io.progress('file_search_call.completed');
      const results = hits.map((h) => ({ file_id: h.file_id, filename: h.filename, score: h.score, attributes: h.attributes ?? {}, text: h.text }));
      return {
        item: { type: 'file_search_call', status: 'completed', queries, results: showResults ? results : null },
        output: hits.length
          ? hits.map((h, i) => `[${i + 1}] ${h.filename} (score ${h.score.toFixed(3)})\n${h.text.slice(0, RESULT_CHARS)}`).join('\n\n')
          : 'No passages matched.',
        sources: hits.map((h) => ({ kind: 'file' as const, file_id: h.file_id, filename: h.filename })),
      };
    } catch (err) {
      if (io.signal.aborted) throw err;
      return { item: { type: 'file_search_call', status: 'failed', queries, results: null }, output: `The file search failed: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
}

function queriesOf(args: string): string[] {
  const a = parseArgs(args);
  if (Array.isArray(a.queries)) return a.queries.map(String).filter(Boolean);
  if (typeof a.query === 'string') return [a.query];
  return [];
}
