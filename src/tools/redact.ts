/**
 * MCP credentials a request carries (`headers`, `authorization`) are used for the calls and never shown or
 * stored in clear: the echoed `tools` and the stored request keep header names with redacted values and no
 * authorization (tools/mcp/approval.ts redactMcpTool).
 */
import { redactMcpTool } from './mcp/approval.js';

export function redactTools<T extends Record<string, unknown>>(tools: T[] | null | undefined): T[] {
  return (tools ?? []).map((t) => (t.type === 'mcp' ? redactMcpTool(t) as T : t));
}
