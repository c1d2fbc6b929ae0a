/**
 * MCP credentials a request carries (`headers`, `authorization`) are used for the calls and never shown or
 * stored in clear: the echoed `tools` and the stored request keep the header names with redacted values.
 */
export const REDACTED = '<redacted>';

export function redactTools<T extends Record<string, unknown>>(tools: T[] | null | undefined): T[] {
  return (tools ?? []).map((t) => {
    if (t.type !== 'mcp' || (t.headers == null && t.authorization == null)) return t;
    const out: Record<string, unknown> = { ...t };
    if (t.headers && typeof t.headers === 'object') {
      out.headers = Object.fromEntries(Object.keys(t.headers as Record<string, unknown>).map((k) => [k, REDACTED]));
    }
    if (t.authorization != null) out.authorization = REDACTED;
    return out as T;
  });
}
