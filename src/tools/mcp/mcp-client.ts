/**
 * Switchboard as an MCP client (`@modelcontextprotocol/sdk`). A session speaks Streamable HTTP first and, when
 * the server answers that attempt with a 4xx (a legacy server at the URL: 404/405), the deprecated HTTP+SSE
 * transport on the same URL — the SDK's documented backwards-compatibility pattern.
 *
 * Failures are shaped for the Responses items the integrator emits: open/listTools reject with McpError (a
 * failed mcp_list_tools item); callTool resolves `{ok: false, error}` for anything the server or the network
 * did (a failed mcp_call the model sees) and rejects only when the caller's signal aborted (with its reason).
 * Headers and the authorization token are sent on every request of the session and appear in no message.
 */
import type { LookupAddress } from 'node:dns';
import { abortable } from '../../api/cancellation.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { ErrorCode, McpError as SdkMcpError } from '@modelcontextprotocol/sdk/types.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { bareHost } from '../../content/safe-fetch.js';
import { McpError } from './mcp-error.js';
import { addressPolicy, errorCode, parseServerUrl, pinnedFetch, vetServerUrl, type AddressPolicy, type VettedServer } from './server-address.js';
import { sessionHeaders } from './session-headers.js';
import { toCallResult, toToolInfo, type McpCallResult, type McpToolInfo } from './tool-result.js';

export { McpError, type McpErrorCode } from './mcp-error.js';
export { checkMcpServerUrl } from './server-address.js';
export { checkMcpHeaders } from './session-headers.js';
export type { McpCallResult, McpToolInfo } from './tool-result.js';

/** The connection fields of a Responses `{type: "mcp"}` tool. */
export interface McpServerSpec {
  server_label: string;
  server_url?: string;
  connector_id?: string;
  headers?: Record<string, string> | null;
  authorization?: string | null;
}

export interface McpConnectorTarget {
  url: string;
  headers?: Record<string, string>;
}

export interface McpOptions {
  /** Hosts (`mcp.internal`, `*.corp.example`), IPs or CIDRs that may be reached even if private or loopback. */
  allowHosts: string[];
  /** Connecting (resolve, transport negotiation, initialize) and each tools/list page, ms. */
  connectTimeoutMs?: number;
  /** One tools/call, ms. */
  callTimeoutMs?: number;
  /** The operator's `connector_id` → server mapping. These URLs are trusted: the address policy does not apply. */
  connectors?: Record<string, McpConnectorTarget>;
  /** Name resolution (default `dns.lookup`, all addresses); a seam for tests. */
  resolve?: (hostname: string) => Promise<LookupAddress[]>;
}

export const DEFAULT_MCP_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_MCP_CALL_TIMEOUT_MS = 60_000;

export interface McpSession {
  /** `'streamable-http'` or `'sse'`: which transport the server spoke. */
  readonly transport: 'streamable-http' | 'sse';
  listTools(signal?: AbortSignal): Promise<McpToolInfo[]>;
  callTool(name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<McpCallResult>;
  close(): Promise<void>;
}

const CLIENT_INFO = { name: 'switchboard', version: '0.1.0' };
/** Guards against a server whose cursors never end. */
const MAX_LIST_PAGES = 100;

export class McpConnector {
  readonly connectTimeoutMs: number;
  readonly callTimeoutMs: number;
  private readonly policy: AddressPolicy;
  private readonly connectors: Record<string, McpConnectorTarget>;

  constructor(opts: McpOptions) {
    this.connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_MCP_CONNECT_TIMEOUT_MS;
    this.callTimeoutMs = opts.callTimeoutMs ?? DEFAULT_MCP_CALL_TIMEOUT_MS;
    this.policy = addressPolicy(opts.allowHosts, opts.resolve);
    this.connectors = opts.connectors ?? {};
  }

  /** Connects and initializes. Rejects with McpError, or with `signal.reason` when the caller aborted. */
  async open(spec: McpServerSpec, signal?: AbortSignal): Promise<McpSession> {
    if (signal?.aborted) throw signal.reason;
    const label = spec.server_label;
    const { url, connectorHeaders, trusted } = this.target(spec);
    const headers = sessionHeaders(connectorHeaders, spec.headers, spec.authorization);
    const deadline = AbortSignal.timeout(this.connectTimeoutMs);
    const bound = signal ? AbortSignal.any([signal, deadline]) : deadline;

    let server: VettedServer;
    if (trusted) {
      const parsed = parseServerUrl(url);
      server = { url: parsed, host: bareHost(parsed.hostname), addresses: null };
    } else {
      try {
        server = await vetServerUrl(url, this.policy, bound);
      } catch (err) {
        throw this.openFailure(err, label, signal);
      }
    }

    const pinned = pinnedFetch(server);
    const attempt = async (kind: McpSession['transport']) => {
      const opts = { fetch: pinned.fetch, requestInit: { headers } };
      const transport = kind === 'sse' ? new SSEClientTransport(server.url, opts) : new StreamableHTTPClientTransport(server.url, opts);
      const client = new Client(CLIENT_INFO);
      client.onerror = () => {}; // transport hiccups surface as the failed request they belong to
      try {
        await abortable(client.connect(transport, { signal: bound, timeout: this.connectTimeoutMs }), bound);
        return new Session(client, transport, kind, label, this, pinned.close);
      } catch (err) {
        await client.close().catch(() => {});
        await transport.close().catch(() => {});
        throw err;
      }
    };
    try {
      try {
        return await attempt('streamable-http');
      } catch (err) {
        // The spec's rule: a 4xx to the initialize POST means a legacy server; try its GET /sse stream.
        if (bound.aborted || !(err instanceof StreamableHTTPError) || !err.code || err.code < 400 || err.code > 499) throw err;
        try {
          return await attempt('sse');
        } catch (sseErr) {
          if (bound.aborted) throw sseErr;
          throw new McpError('mcp_connect_failed',
            `Could not connect to MCP server '${label}': Streamable HTTP failed (${describe(err)}), and so did the legacy SSE transport (${describe(sseErr)}).`);
        }
      }
    } catch (err) {
      await pinned.close();
      throw this.openFailure(err, label, signal);
    }
  }

  private target(spec: McpServerSpec): { url: string; connectorHeaders?: Record<string, string>; trusted: boolean } {
    const label = spec.server_label;
    if (spec.server_url && spec.connector_id) {
      throw new McpError('mcp_invalid_spec', `MCP server '${label}' has both server_url and connector_id; give one.`);
    }
    if (spec.connector_id) {
      const c = Object.hasOwn(this.connectors, spec.connector_id) ? this.connectors[spec.connector_id] : undefined;
      if (!c) throw new McpError('mcp_connector_unknown', `The connector '${spec.connector_id}' is not configured on this server.`);
      return { url: c.url, connectorHeaders: c.headers, trusted: true };
    }
    if (!spec.server_url) throw new McpError('mcp_invalid_spec', `MCP server '${label}' needs a server_url or a connector_id.`);
    return { url: spec.server_url, trusted: false };
  }

  private openFailure(err: unknown, label: string, signal: AbortSignal | undefined): unknown {
    if (signal?.aborted) return signal.reason;
    if (err instanceof McpError) return err;
    if (isTimeout(err)) {
      return new McpError('mcp_connect_failed', `MCP server '${label}' did not complete the connection within ${this.connectTimeoutMs} ms.`);
    }
    return new McpError('mcp_connect_failed', `Could not connect to MCP server '${label}': ${describe(err)}.`);
  }
}

class Session implements McpSession {
  private closed = false;

  constructor(
    private readonly client: Client,
    private readonly sdkTransport: Transport,
    readonly transport: McpSession['transport'],
    private readonly label: string,
    private readonly limits: { connectTimeoutMs: number; callTimeoutMs: number },
    private readonly release: () => Promise<void> = async () => {},
  ) {}

  async listTools(signal?: AbortSignal): Promise<McpToolInfo[]> {
    if (this.closed) throw new McpError('mcp_list_failed', `The session with MCP server '${this.label}' is closed.`);
    const tools: McpToolInfo[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      let res: Awaited<ReturnType<Client['listTools']>>;
      try {
        res = await this.client.listTools(cursor ? { cursor } : undefined, { signal, timeout: this.limits.connectTimeoutMs });
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        const why = isTimeout(err) ? `no answer within ${this.limits.connectTimeoutMs} ms` : describe(err);
        throw new McpError('mcp_list_failed', `Listing the tools of MCP server '${this.label}' failed: ${why}.`);
      }
      tools.push(...res.tools.map(toToolInfo));
      cursor = res.nextCursor;
      if (!cursor) break;
    }
    return tools;
  }

  async callTool(name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<McpCallResult> {
    if (signal?.aborted) throw signal.reason;
    if (this.closed) return { ok: false, error: `The session with MCP server '${this.label}' is closed.` };
    try {
      const result = await this.client.callTool({ name, arguments: args }, undefined, { signal, timeout: this.limits.callTimeoutMs });
      return toCallResult(result as Record<string, unknown>);
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (isTimeout(err)) {
        return { ok: false, error: `MCP server '${this.label}' did not finish tool '${name}' within ${this.limits.callTimeoutMs} ms.` };
      }
      return { ok: false, error: `Calling tool '${name}' on MCP server '${this.label}' failed: ${describe(err)}.` };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Ending the session politely is a SHOULD of the spec; a server slow to answer it must not hold us up.
    if (this.sdkTransport instanceof StreamableHTTPClientTransport) {
      await Promise.race([this.sdkTransport.terminateSession().catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
    }
    await this.client.close().catch(() => {});
    await this.release();
  }
}

/** Whether an SDK request failed by its own timeout (or our connect deadline). */
function isTimeout(err: unknown): boolean {
  if (err instanceof SdkMcpError && err.code === ErrorCode.RequestTimeout) return true;
  return (err as { name?: string })?.name === 'TimeoutError';
}

/** What went wrong, for clients and the model: HTTP statuses, JSON-RPC errors, network error codes; no addresses. */
function describe(err: unknown): string {
  if (err instanceof StreamableHTTPError) return `HTTP ${err.code ?? 'error'}${tail(err.message.replace(/^Streamable HTTP error: /, ''))}`;
  if (err instanceof SdkMcpError) {
    if (err.code === ErrorCode.ConnectionClosed) return 'the connection closed';
    return `JSON-RPC error ${err.code}: ${clip(err.message.replace(/^MCP error -?\d+: /, ''))}`;
  }
  const e = err as { name?: string; code?: unknown; message?: string };
  if (e?.name === 'SseError') return typeof e.code === 'number' ? `HTTP ${e.code} on the SSE stream` : `the SSE stream failed (${errorCode(err)})`;
  if (err instanceof TypeError && /refusing a request/.test(err.message)) return err.message;
  if (err instanceof TypeError && /fetch failed/.test(err.message)) return `the server could not be reached (${errorCode(err)})`;
  if (typeof e?.code === 'string') return `the server could not be reached (${e.code})`;
  return clip(e?.message ?? String(err));
}

function tail(message: string): string {
  const m = message.replace(/^Error POSTing to endpoint: /, '').trim();
  return m ? ` (${clip(m)})` : '';
}

function clip(s: string): string {
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

