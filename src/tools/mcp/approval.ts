/**
 * The policy fields of a Responses `{type: "mcp"}` tool: `require_approval`, `allowed_tools`, and what of the
 * tool definition may be echoed (Response.tools) or stored.
 *
 * A filter (`{tool_names?, read_only?}`) matches a tool when every criterion it gives holds: the name is listed,
 * and the tool's `readOnlyHint` annotation equals `read_only`. A filter that gives no criterion matches nothing
 * in `require_approval` (so `never: {}` exempts no tool) and everything in `allowed_tools` (no restriction).
 * Where the settings are unclear the answer is the safe one: approval needed.
 */
import type { McpToolInfo } from './tool-result.js';

interface ToolFilter {
  tool_names?: unknown;
  read_only?: unknown;
}

type Annotations = Record<string, unknown> | null | undefined;

/**
 * Whether calling `toolName` needs an `mcp_approval_request` first. Absent/null = `'always'` (OpenAI's default).
 * In the object form, a tool matched by `never` and not by `always` runs freely; every other tool needs approval.
 */
export function needsApproval(requireApproval: unknown, toolName: string, annotations?: Annotations): boolean {
  if (requireApproval === 'never') return false;
  if (requireApproval === undefined || requireApproval === null || requireApproval === 'always') return true;
  if (typeof requireApproval !== 'object' || Array.isArray(requireApproval)) return true;
  const { always, never } = requireApproval as { always?: unknown; never?: unknown };
  if (matches(always, toolName, annotations, false)) return true;
  return !matches(never, toolName, annotations, false);
}

/**
 * The tools `allowed_tools` lets the model see: a list of names, or a filter. Absent/null = all of them.
 */
export function filterAllowedTools(tools: McpToolInfo[], allowed: unknown): McpToolInfo[] {
  if (allowed === undefined || allowed === null) return tools;
  if (Array.isArray(allowed)) return tools.filter((t) => allowed.includes(t.name));
  if (typeof allowed !== 'object') return tools;
  return tools.filter((t) => matches(allowed, t.name, t.annotations, true));
}

function matches(filter: unknown, name: string, annotations: Annotations, emptyMatchesAll: boolean): boolean {
  if (!filter || typeof filter !== 'object' || Array.isArray(filter)) return false;
  const f = filter as ToolFilter;
  const hasNames = Array.isArray(f.tool_names);
  const hasReadOnly = typeof f.read_only === 'boolean';
  if (!hasNames && !hasReadOnly) return emptyMatchesAll;
  if (hasNames && !(f.tool_names as unknown[]).includes(name)) return false;
  if (hasReadOnly && (annotations?.readOnlyHint === true) !== f.read_only) return false;
  return true;
}

export const REDACTED = '<redacted>';

/**
 * A copy of an mcp tool definition safe to echo and store: header names kept with their values replaced,
 * `authorization` left out. Everything else (server_url, allowed_tools, require_approval, …) is kept.
 */
export function redactMcpTool<T extends Record<string, unknown>>(tool: T): Omit<T, 'authorization'> {
  const { authorization: _dropped, ...rest } = tool;
  const headers = rest.headers;
  if (headers && typeof headers === 'object' && !Array.isArray(headers)) {
    return { ...rest, headers: Object.fromEntries(Object.keys(headers).map((k) => [k, REDACTED])) };
  }
  return rest;
}
