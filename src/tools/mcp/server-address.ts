/**
 * The outbound address policy for MCP servers, the same as for fetched content (src/content/safe-fetch.ts):
 * only http(s), no credentials in the URL, and no loopback / private / link-local / … address unless the
 * host, IP or CIDR is allow-listed. The session then connects only to the addresses vetted here (a pinned
 * `lookup` on its own undici Agent), so DNS cannot answer differently between the check and the connect,
 * and a request to any other host is refused.
 */
import { isIP } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { Agent, fetch as undiciFetch } from 'undici';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ApiError } from '../../api/errors.js';
import { AllowList, bareHost, classifyAddress, pinnedLookup, systemResolve } from '../../content/safe-fetch.js';
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
  const family = isIP(host);
  let addresses: LookupAddress[];
  if (family) {
    addresses = [{ address: host, family }];
  } else {
    try {
      addresses = await abortable(policy.resolve(host), signal);
    } catch (err) {
      if (signal.aborted) throw err;
      throw new McpError('mcp_connect_failed', `Could not resolve the MCP server host '${host}' (${errorCode(err)}).`);
    }
    if (!addresses.length) throw new McpError('mcp_connect_failed', `Could not resolve the MCP server host '${host}'.`);
    if (policy.allow.hasHost(host)) return { url, host, addresses };
  }
  for (const a of addresses) {
    if (policy.allow.hasAddress(a.address)) continue;
    const reason = classifyAddress(a.address);
    if (reason) {
      const via = family ? '' : ` (${host} resolves to ${a.address})`;
      throw new McpError('mcp_url_refused', `MCP server URL ${url.href} is not allowed: ${a.address} is a ${reason} address${via}.`);
    }
  }
  return { url, host, addresses };
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

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    // Settled here, never left dangling: `p` may still reject after the abort won.
    p.then(
      (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e) => { signal.removeEventListener('abort', onAbort); reject(e); },
    );
  });
}
