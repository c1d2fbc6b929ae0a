/**
 * The outbound address policy for MCP servers, the same as for fetched content (src/content/safe-fetch.ts):
 * only http(s), no credentials in the URL, and no loopback / private / link-local / … address unless the
 * host, IP or CIDR is allow-listed. The session then connects only to the addresses vetted here (a pinned
 * `lookup` on its own undici Agent), so DNS cannot answer differently between the check and the connect,
 * and a request to any other host is refused.
 */
import type { LookupAddress } from 'node:dns';
import { Agent, fetch as undiciFetch } from 'undici';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ApiError } from '../../api/errors.js';
import { AllowList, bareHost, pinnedLookup, systemResolve, vetHost } from '../../content/safe-fetch.js';
import { McpError } from './mcp-error.js';

export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

export interface AddressPolicy {
  allow: AllowList;
  resolve: Resolve;
}

export interface VettedServer {
  url: URL;
  host: string;
  /** null: an operator's connector URL, connected to without the check. */
  addresses: LookupAddress[] | null;
}

export function addressPolicy(allowHosts: string[], resolve?: Resolve): AddressPolicy {
  return { allow: new AllowList(allowHosts), resolve: resolve ?? systemResolve };
}

/** Throws McpError `mcp_url_refused` for the policy, `mcp_connect_failed` when the host does not resolve. */
export async function vetServerUrl(raw: string, policy: AddressPolicy, signal: AbortSignal): Promise<VettedServer> {
  const url = parseServerUrl(raw);
  const host = bareHost(url.hostname);
  const v = await vetHost(host, policy.allow, policy.resolve, signal);
  if (v.kind === 'unresolved') {
    throw new McpError('mcp_connect_failed', `Could not resolve the MCP server host '${host}'${v.cause === undefined ? '' : ` (${errorCode(v.cause)})`}.`);
  }
  if (v.kind === 'refused') {
    const via = v.byName ? ` (${host} resolves to ${v.address})` : '';
    throw new McpError('mcp_url_refused', `MCP server URL ${url.href} is not allowed: ${v.address} is a ${v.reason} address${via}.`);
  }
  return { url, host, addresses: v.addresses };
}

export function parseServerUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new McpError('mcp_url_refused', `'${raw.length > 200 ? `${raw.slice(0, 200)}…` : raw}' is not a valid absolute URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new McpError('mcp_url_refused', `MCP server URLs must be http or https, got '${url.protocol}'.`);
  }
  if (url.username || url.password) {
    throw new McpError('mcp_url_refused', `MCP server URLs cannot carry credentials (${url.host}); use 'authorization' or 'headers'.`);
  }
  return url;
}

/**
 * The up-front check for a request's `server_url`: a 400 naming the refused address class. A host that does not
 * resolve passes here (connecting will fail later and the model sees a failed mcp_list_tools item).
 */
export async function checkMcpServerUrl(
  url: string,
  opts: { allowHosts?: string[]; resolve?: Resolve; connectTimeoutMs?: number },
  param: string | null = null,
): Promise<void> {
  const signal = AbortSignal.timeout(opts.connectTimeoutMs ?? 10_000);
  try {
    await vetServerUrl(url, addressPolicy(opts.allowHosts ?? [], opts.resolve), signal);
  } catch (err) {
    if (err instanceof McpError && err.code === 'mcp_url_refused') {
      throw new ApiError(400, err.message, { param, code: 'url_not_allowed' });
    }
  }
}

/**
 * The fetch the SDK transports use for one session: undici on an Agent whose DNS answers are the vetted
 * addresses; a request for another host (a cross-origin endpoint or redirect) is refused outright.
 */
export function pinnedFetch(server: VettedServer): { fetch: FetchLike; close: () => Promise<void> } {
  const agent = new Agent(server.addresses ? { connect: { lookup: pinnedLookup(server.addresses) } } : {});
  const fetch: FetchLike = async (input, init) => {
    const target = new URL(typeof input === 'string' ? input : input.href);
    if (bareHost(target.hostname) !== server.host) {
      throw new TypeError(`refusing a request to ${target.host}: the session is pinned to ${server.url.host}`);
    }
    const res = await undiciFetch(target, { ...(init as Record<string, unknown>), dispatcher: agent } as Parameters<typeof undiciFetch>[1]);
    return res as unknown as Response;
  };
  return { fetch, close: () => agent.destroy().catch(() => {}) };
}

/** The most specific code in a network error (`ECONNREFUSED`, `ENOTFOUND`, …), never its address. */
export function errorCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown; cause?: { code?: unknown } } };
  const code = e?.cause?.code ?? e?.cause?.cause?.code ?? e?.code;
  return typeof code === 'string' ? code : 'network error';
}

