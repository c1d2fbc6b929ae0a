/**
 * The headers an MCP session sends on every request: the operator's connector headers, then the request's
 * `headers`, then `authorization` as a Bearer token (later layers win, names compared case-insensitively).
 * Headers that would break the transport or re-route the request (Host, framing, MCP session headers) are
 * refused rather than silently dropped.
 */
import { ApiError } from '../../api/errors.js';
import { McpError } from './mcp-error.js';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE = /[\r\n\0]/;
const RESERVED = new Set([
  'host', 'content-length', 'transfer-encoding', 'connection', 'upgrade', 'te', 'trailer', 'keep-alive',
  'mcp-session-id', 'mcp-protocol-version', 'last-event-id', 'content-type', 'accept',
]);

/** Why these request `headers` cannot be sent, or null. Names the header, never a value. */
export function headersProblem(headers: unknown): string | null {
  if (headers === undefined || headers === null) return null;
  if (typeof headers !== 'object' || Array.isArray(headers)) return 'headers must be an object of header names to string values.';
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name)) return `'${name.slice(0, 100)}' is not a valid header name.`;
    if (RESERVED.has(name.toLowerCase())) return `The header '${name}' is set by the MCP transport and cannot be given.`;
    if (typeof value !== 'string') return `The value of header '${name}' must be a string.`;
    if (BAD_VALUE.test(value)) return `The value of header '${name}' contains a line break or NUL.`;
  }
  return null;
}

/** The up-front check for a request's mcp tool `headers` (400 `invalid_value`). */
export function checkMcpHeaders(headers: unknown, param: string | null = null): void {
  const problem = headersProblem(headers);
  if (problem) throw new ApiError(400, problem, { param, code: 'invalid_value' });
}

export function sessionHeaders(
  connectorHeaders: Record<string, string> | undefined,
  headers: Record<string, string> | null | undefined,
  authorization: string | null | undefined,
): Record<string, string> {
  const problem = headersProblem(headers);
  if (problem) throw new McpError('mcp_invalid_headers', problem);
  if (authorization !== undefined && authorization !== null && (typeof authorization !== 'string' || BAD_VALUE.test(authorization))) {
    throw new McpError('mcp_invalid_headers', 'authorization must be a token string without line breaks.');
  }
  const out: Record<string, string> = {};
  for (const layer of [connectorHeaders, headers]) {
    for (const [k, v] of Object.entries(layer ?? {})) out[k.toLowerCase()] = v;
  }
  if (authorization) out.authorization = /^bearer\s/i.test(authorization) ? authorization : `Bearer ${authorization}`;
  return out;
}
