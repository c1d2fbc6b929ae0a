/**
 * The seam between the agent loop (tools/tool-loop.ts) and the server-side tools Switchboard runs itself. A
 * hosted tool entry of a request (`{type: "web_search"}`, `{type: "mcp", …}`, …) becomes a ToolKit for one
 * response: the functions its model is offered instead (any function-calling vendor can call those), and, for a
 * call of one of them, a HostedCall that makes the item the client sees (`web_search_call`, `mcp_call`, …) and
 * the text the model is told. The loop alone talks to the ResponseBuilder; kits only describe items and events.
 */
import type { RequestContext } from '../store/request-context.js';
import type { Item } from '../api/items.js';

/** A function the model is offered in place of a hosted tool (a Responses function tool). */
export interface ModelFunction {
  type: 'function';
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  strict: false;
}

/** A progress event of the call's item, in the Responses vocabulary without `response.` (`web_search_call.searching`). */
export interface ItemEvent {
  name: string;
  fields?: Record<string, unknown>;
}

export interface CallIO {
  readonly ctx: RequestContext;
  /** Fires when the response is cancelled or its client left: stop the call. */
  readonly signal: AbortSignal;
  progress(name: string, fields?: Record<string, unknown>): void;
}

/** Something the answer may cite: the loop turns mentions of it in the final text into annotations. */
export type CitationSource =
  | { kind: 'url'; url: string; title: string }
  | { kind: 'file'; file_id: string; filename: string }
  | { kind: 'container_file'; container_id: string; file_id: string; filename: string; path: string };

export interface CallOutcome {
  /** The item's final shape (status completed / failed / incomplete). */
  item: Item;
  /** What the model is told (a function call output). */
  output: string;
  sources?: CitationSource[];
}

export interface HostedCall {
  /**
   * True: the item appears at the call's first byte and its arguments stream as events (`mcp_call`). False: it
   * appears once the arguments are complete (a search item shows its query from the start).
   */
  readonly early: boolean;
  /** The item as it starts (`in_progress`); `args` is '' for an early item. */
  initial(args: string): Item;
  /** Events for the item while its arguments stream (early items only). */
  argumentsDelta?(delta: string): ItemEvent[];
  argumentsDone?(args: string): ItemEvent[];
  /** The events that follow output_item.added before the call runs (`web_search_call.in_progress`). */
  started?(): ItemEvent[];
  /** When this call must be approved first: the item asking for it (`mcp_approval_request`), else null. */
  approval?(args: string): Item | null;
  /** Runs it. A failure of the tool is an outcome the model sees; it rejects only when the signal fired. */
  run(args: string, io: CallIO): Promise<CallOutcome>;
}

export interface ToolKit {
  /** The request's tool entry type (`web_search`, `mcp`, …). */
  readonly type: string;
  readonly functions: ModelFunction[];
  call(functionName: string): HostedCall;
}

/** What the model was told, kept on stored items (api/response-object.ts hides it from clients). */
export { MODEL_OUTPUT_KEY } from '../api/response-object.js';

/** The items of calls Switchboard runs (the kits' items): what the model view turns into calls and outputs. */
export const SERVER_RUN_CALL_TYPES: ReadonlySet<string> = new Set(['web_search_call', 'file_search_call', 'code_interpreter_call', 'mcp_call']);
