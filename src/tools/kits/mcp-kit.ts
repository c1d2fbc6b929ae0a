/**
 * `mcp` tools run by Switchboard as the MCP client. Per server entry: its tools are listed once per
 * conversation (an `mcp_list_tools` item with `mcp_list_tools.in_progress / completed / failed`; later turns
 * reuse the list found in the history), filtered by `allowed_tools`, and offered to the model as functions
 * `mcp__<label>__<tool>`. A call becomes an `mcp_call` item whose arguments stream as events, then
 * `mcp_call.in_progress` → `completed` / `failed`; a server that fails makes a failed call the model sees. A call
 * that `require_approval` holds back ends the response with an `mcp_approval_request`; a later request's
 * `mcp_approval_response` runs it (resumeApproved) or tells the model it was denied (tools/model-view.ts).
 */
import { invalidRequest } from '../../api/errors.js';
import { newId } from '../../api/ids.js';
import type { Item } from '../../api/items.js';
import type { ModelEvent } from '../../providers/types.js';
import { mcpFunctionName } from '../function-names.js';
import type { CallIO, CallOutcome, HostedCall, ModelFunction, ToolKit } from '../types.js';
import { MODEL_OUTPUT_KEY } from '../types.js';
import { parseArgs } from './kit-args.js';
import type { McpServerSpec, McpToolInfo } from '../mcp/mcp-client.js';
import type { McpOpener as McpConnector } from '../mcp/lazy-connector.js';
import { filterAllowedTools, needsApproval } from '../mcp/approval.js';
import { shownToolInfo } from '../mcp/tool-result.js';

export interface McpEntry extends McpServerSpec {
  type: 'mcp';
  allowed_tools?: unknown;
  require_approval?: unknown;
  server_description?: string | null;
}

export interface McpPrepared {
  kit: ToolKit;
  /** Events of the list item, when the tools were listed now (not found in the history). */
  events: ModelEvent[];
}

/** Lists (or reuses) the server's tools; never rejects: a failed list is a failed item and no functions. */
export async function prepareMcpKit(entry: McpEntry, connector: McpConnector, history: Item[], signal: AbortSignal): Promise<McpPrepared> {
  const events: ModelEvent[] = [];
  let listed = reuseList(entry.server_label, history);
  if (!listed) {
    const key = `mcpl:${entry.server_label}`;
    const id = newId('mcpl');
    events.push({ type: 'hosted-item-start', key, item: { id, type: 'mcp_list_tools', server_label: entry.server_label, tools: [] } });
    events.push({ type: 'hosted-item-event', key, name: 'mcp_list_tools.in_progress', fields: {} });
    try {
      const session = await connector.open(entry, signal);
      try {
        listed = await session.listTools(signal);
      } finally {
        await session.close().catch(() => {});
      }
      events.push({ type: 'hosted-item-event', key, name: 'mcp_list_tools.completed', fields: {} });
      events.push({ type: 'hosted-item-done', key, item: { id, type: 'mcp_list_tools', server_label: entry.server_label, tools: listed.map(shownToolInfo), status: 'completed' } });
    } catch (err) {
      if (signal.aborted) throw err;
      const message = err instanceof Error ? err.message : String(err);
      events.push({ type: 'hosted-item-event', key, name: 'mcp_list_tools.failed', fields: {} });
      events.push({ type: 'hosted-item-done', key, item: { id, type: 'mcp_list_tools', server_label: entry.server_label, tools: [], error: message, status: 'failed' } });
      listed = [];
    }
  }
  const tools = filterAllowedTools(listed, entry.allowed_tools);
  return { kit: mcpKit(entry, connector, tools), events };
}

function reuseList(label: string, history: Item[]): McpToolInfo[] | null {
  for (let i = history.length - 1; i >= 0; i--) {
    const item = history[i];
    if (item.type === 'mcp_list_tools' && item.server_label === label && !item.error && Array.isArray(item.tools)) {
      return item.tools as McpToolInfo[];
    }
  }
  return null;
}

function mcpKit(entry: McpEntry, connector: McpConnector, tools: McpToolInfo[]): ToolKit {
  const byFunction = new Map<string, McpToolInfo>();
  const functions: ModelFunction[] = tools.map((t) => {
    const name = mcpFunctionName(entry.server_label, t.name);
    byFunction.set(name, t);
    return {
      type: 'function', name, strict: false,
      description: `${t.description ?? t.name} (tool '${t.name}' of MCP server '${entry.server_label}'${entry.server_description ? `: ${entry.server_description}` : ''})`,
      parameters: functionParameters(t.input_schema),
    };
  });
  return {
    type: 'mcp',
    functions,
    call(functionName): HostedCall {
      const tool = byFunction.get(functionName)!;
      const approve = needsApproval(entry.require_approval, tool.name, tool.annotations ?? undefined);
      const id = newId('mcp');
      return {
        early: !approve,
        initial: (args) => ({ id, type: 'mcp_call', server_label: entry.server_label, name: tool.name, arguments: args, output: null, error: null, status: 'in_progress' }),
        argumentsDelta: (delta) => [{ name: 'mcp_call_arguments.delta', fields: { delta } }],
        argumentsDone: (args) => [{ name: 'mcp_call_arguments.done', fields: { arguments: args } }],
        started: () => [{ name: 'mcp_call.in_progress' }],
        approval: (args) => approve
          ? { id: newId('mcpr'), type: 'mcp_approval_request', server_label: entry.server_label, name: tool.name, arguments: args, status: 'completed' }
          : null,
        run: (args, io) => runMcpCall(entry, connector, tool.name, args, io),
      };
    },
  };
}

export async function runMcpCall(entry: McpEntry, connector: McpConnector, tool: string, args: string, io: CallIO, extra: Record<string, unknown> = {}): Promise<CallOutcome> {
  const done = (output: string | null, error: string | null): CallOutcome => {
    io.progress(error === null ? 'mcp_call.completed' : 'mcp_call.failed');
    return {
      item: { type: 'mcp_call', server_label: entry.server_label, name: tool, arguments: args, output, error, status: error === null ? 'completed' : 'failed', ...extra },
      output: error === null ? forModel(output ?? '') : `Error: ${forModel(error)}`,
    };
  };
  let session;
  try {
    session = await connector.open(entry, io.signal);
  } catch (err) {
    if (io.signal.aborted) throw err;
    return done(null, err instanceof Error ? err.message : String(err));
  }
  try {
    const r = await session.callTool(tool, parseArgs(args), io.signal);
    if (io.signal.aborted) throw new Error('aborted');
    return r.ok ? done(r.output, null) : done(null, r.error);
  } finally {
    // Cancelled: the SDK's notifications/cancelled is still on its way; closing now would cut it off, and the
    // server would go on working for nobody. The session ends a moment later instead.
    if (io.signal.aborted) setTimeout(() => { session.close().catch(() => {}); }, 250).unref();
    else await session.close().catch(() => {});
  }
}

/**
 * Every `mcp_approval_response` in this request's input must answer an `mcp_approval_request` that is in the
 * history or the input; otherwise a 400 before anything runs or is stored. Without this an approval whose request
 * Switchboard cannot see was silently dropped: the call never ran and the model answered as if nothing had been
 * asked. That is what the Vercel AI SDK (@ai-sdk/openai 3.x) sends with `store: false`: the approval response
 * alone, without the request item (with `store: true` it sends an `item_reference` to the stored request).
 */
export function checkApprovalResponses(history: Item[], input: Item[]): void {
  const requests = new Set<string>();
  for (const item of [...history, ...input]) if (item.type === 'mcp_approval_request' && item.id) requests.add(String(item.id));
  input.forEach((item, i) => {
    if (item.type !== 'mcp_approval_response' || requests.has(String(item.approval_request_id))) return;
    throw invalidRequest(
      `No mcp_approval_request with id '${String(item.approval_request_id)}' in this response's history or input: `
      + 'send it with previous_response_id or conversation, as an item_reference, or (with store: false) the request item itself before its response.',
      `input[${i}].approval_request_id`, 'invalid_value',
    );
  });
}

/**
 * Approved calls waiting in the history: an `mcp_approval_response` with `approve: true` in this request's input
 * whose request is in the history or input and not yet run. Each runs before the model's first turn; its
 * `mcp_call` item (with `approval_request_id`) leads the output.
 */
export async function resumeApproved(entries: McpEntry[], connector: McpConnector, history: Item[], input: Item[], io: Omit<CallIO, 'progress'>): Promise<ModelEvent[]> {
  const all = [...history, ...input];
  const requests = new Map<string, Item>();
  const ran = new Set<string>();
  for (const item of all) {
    if (item.type === 'mcp_approval_request' && item.id) requests.set(String(item.id), item);
    if (item.type === 'mcp_call' && item.approval_request_id) ran.add(String(item.approval_request_id));
  }
  const groups: ModelEvent[][] = [];
  const jobs: Promise<void>[] = [];
  for (const item of input) {
    if (item.type !== 'mcp_approval_response' || item.approve !== true) continue;
    const reqId = String(item.approval_request_id);
    const req = requests.get(reqId);
    if (!req || ran.has(reqId)) continue;
    const entry = entries.find((e) => e.server_label === req.server_label);
    if (!entry) continue;
    ran.add(reqId);
    const key = `mcp-approved:${reqId}`;
    const args = typeof req.arguments === 'string' ? req.arguments : '{}';
    const id = newId('mcp');
    const group: ModelEvent[] = [
      { type: 'hosted-item-start', key, item: { id, type: 'mcp_call', server_label: entry.server_label, name: String(req.name), arguments: args, output: null, error: null, approval_request_id: reqId, status: 'in_progress' } },
      { type: 'hosted-item-event', key, name: 'mcp_call_arguments.done', fields: { arguments: args } },
      { type: 'hosted-item-event', key, name: 'mcp_call.in_progress', fields: {} },
    ];
    groups.push(group);
    jobs.push((async () => {
      const outcome = await runMcpCall(entry, connector, String(req.name), args, {
        ...io, progress: (name, fields) => group.push({ type: 'hosted-item-event', key, name, fields: fields ?? {} }),
      }, { approval_request_id: reqId });
      group.push({ type: 'hosted-item-done', key, item: { ...outcome.item, [MODEL_OUTPUT_KEY]: outcome.output } });
    })());
  }
  await Promise.all(jobs);
  return groups.flat();
}

/**
 * An MCP tool's input schema as function parameters: the SDK's servers stamp `$schema` (draft-07) on it, which
 * some vendors' function schemas do not take; an absent or odd schema is an empty object's.
 */
function functionParameters(schema: unknown): Record<string, unknown> {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return { type: 'object', properties: {} };
  const { $schema: _dialect, ...rest } = schema as Record<string, unknown>;
  return rest.type === undefined ? { type: 'object', ...rest } : rest;
}

/** What a model is told of one MCP result at most: a server may answer with megabytes (the item keeps it all). */
export const MCP_MODEL_OUTPUT_CHARS = 64 * 1024;

function forModel(text: string): string {
  if (text.length <= MCP_MODEL_OUTPUT_CHARS) return text;
  return `${text.slice(0, MCP_MODEL_OUTPUT_CHARS)}\n[… ${text.length - MCP_MODEL_OUTPUT_CHARS} more characters of this result were cut]`;
}
