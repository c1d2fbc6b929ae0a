/**
 * Fetching a URL a client gave us (an image or file to inline) without becoming a proxy into our own network.
 *
 * Each hop: only http(s); resolve the host ourselves and refuse if ANY address is loopback, private,
 * link-local (cloud metadata), CGNAT, multicast, reserved or an IPv6 form embedding one of those, unless the
 * host or address is allow-listed; then connect to exactly the vetted addresses (a pinned `lookup`), so DNS
 * cannot answer differently between the check and the connect. Redirects are followed by hand and each new
 * hop is vetted again. The byte limit is enforced while streaming, the time limit covers the whole fetch.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { Agent } from 'undici';
import { abortable, type CancelSignal } from '../api/cancellation.js';
import { ApiError } from '../api/errors.js';

export interface SafeFetchOptions {
  /** Largest body accepted, bytes (default 20 MiB). */
  maxBytes?: number;
  /** Whole fetch including redirects, ms (default 15000). */
  timeoutMs?: number;
  /** Host names (`files.internal`, `*.corp.example`), IPs or CIDRs that may be fetched even if private. */
  allowHosts?: string[];
  /** Default 3. */
  maxRedirects?: number;
  /** Name resolution (default `dns.lookup` with `all: true`); a seam for tests. */
  resolve?: (hostname: string) => Promise<LookupAddress[]>;
}

export interface FetchedContent {
  bytes: Buffer;
  /** The media type's essence from the response (`''` when the server sent none). */
  contentType: string;
  /** The URL the bytes came from, after redirects. */
  url: string;
}

export const DEFAULT_FETCH_MAX_BYTES = 20 * 1024 * 1024;
export const DEFAULT_FETCH_TIMEOUT_MS = 15_000;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export class SafeFetcher {
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly maxRedirects: number;
  private readonly allow: AllowList;
  private readonly resolveHost: (hostname: string) => Promise<LookupAddress[]>;

  constructor(opts: SafeFetchOptions = {}) {
    this.maxBytes = opts.maxBytes ?? DEFAULT_FETCH_MAX_BYTES;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
    this.maxRedirects = opts.maxRedirects ?? 3;
    this.allow = new AllowList(opts.allowHosts ?? []);
    this.resolveHost = opts.resolve ?? systemResolve;
  }

  /** `signal`: the caller's cancellation (a client gone, a web search's own deadline) ends the fetch at once. */
  async fetch(rawUrl: string, signal?: CancelSignal): Promise<FetchedContent> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), this.timeoutMs);
    const onCancel = () => ac.abort();
    if (signal?.aborted) ac.abort();
    else signal?.addEventListener('abort', onCancel, { once: true });
    try {
      let url = checkUrl(rawUrl);
      for (let hop = 0; ; hop++) {
        const addresses = await this.vet(url, ac.signal);
        const got = await this.get(url, addresses, ac.signal);
        if ('location' in got) {
          if (hop >= this.maxRedirects) throw fetchFailed(`${rawUrl}: more than ${this.maxRedirects} redirects`);
          let next: string;
          try {
            next = new URL(got.location, url).href;
          } catch {
            throw fetchFailed(`${url.href} redirected to an invalid location '${got.location}'`);
          }
          url = checkUrl(next);
          continue;
        }
        return { ...got, url: url.href };
      }
    } catch (err) {
      if (signal?.aborted) throw new ApiError(400, `Fetching ${rawUrl} was cancelled.`, { code: 'url_fetch_cancelled' });
      if (ac.signal.aborted) throw new ApiError(400, `Fetching ${rawUrl} took longer than ${this.timeoutMs} ms.`, { code: 'url_timeout' });
      if (err instanceof ApiError) throw err;
      throw fetchFailed(`${rawUrl}: ${describe(err)}`);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onCancel);
    }
  }

  /** The addresses this hop may connect to; throws when the host is not allowed. */
  private async vet(url: URL, signal: AbortSignal): Promise<LookupAddress[]> {
    const host = bareHost(url.hostname);
    const v = await vetHost(host, this.allow, this.resolveHost, signal);
    if (v.kind === 'unresolved') throw fetchFailed(`could not resolve host '${host}'${v.cause === undefined ? '' : ` (${describe(v.cause)})`}`);
    if (v.kind === 'refused') {
      const via = v.byName ? ` (${host} resolves to ${v.address})` : '';
      throw new ApiError(400, `Refusing to fetch ${url.href}: ${v.address} is a ${v.reason} address${via}.`, { code: 'url_not_allowed' });
    }
    return v.addresses;
  }

  /** One request on a connection pinned to `addresses`: the body, or where it redirects. */
  private async get(url: URL, addresses: LookupAddress[], signal: AbortSignal): Promise<{ bytes: Buffer; contentType: string } | { location: string }> {
    const agent = new Agent({ connect: { lookup: pinnedLookup(addresses) }, connections: 1, pipelining: 0 });
    try {
      const res = await agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: { accept: '*/*', 'accept-encoding': 'identity', 'user-agent': 'Switchboard-Fetcher/1' },
        signal,
      });
      // Destroying the body to stop reading makes it emit an abort error nobody needs to hear.
      res.body.on('error', () => {});
      const location = res.headers.location;
      if (REDIRECTS.has(res.statusCode) && typeof location === 'string') {
        res.body.destroy();
        return { location };
      }
      if (res.statusCode < 200 || res.statusCode > 299) {
        res.body.destroy();
        throw fetchFailed(`${url.href} answered HTTP ${res.statusCode}`);
      }
      const declared = Number(res.headers['content-length'] ?? NaN);
      if (declared > this.maxBytes) {
        res.body.destroy();
        throw tooLarge(url, this.maxBytes);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > this.maxBytes) {
          res.body.destroy();
          throw tooLarge(url, this.maxBytes);
        }
        chunks.push(chunk);
      }
      const type = res.headers['content-type'];
      return { bytes: Buffer.concat(chunks, size), contentType: typeof type === 'string' ? type.split(';')[0].trim().toLowerCase() : '' };
    } finally {
      void agent.destroy().catch(() => {});
    }
  }
}

function checkUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ApiError(400, `'${truncate(raw)}' is not a valid absolute URL.`, { code: 'url_not_allowed' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ApiError(400, `Only http and https URLs can be fetched, got '${url.protocol}'.`, { code: 'url_not_allowed' });
  }
  if (url.username || url.password) {
    throw new ApiError(400, `URLs with credentials cannot be fetched: ${url.host}.`, { code: 'url_not_allowed' });
  }
  return url;
}

/** Node's `lookup` contract for net/tls.connect, answered from the vetted list instead of DNS. */
export function pinnedLookup(addresses: LookupAddress[]) {
  return (_hostname: string, options: { family?: number | string; all?: boolean }, callback: (...args: any[]) => void) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : Number(options.family ?? 0);
    const usable = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
    if (!usable.length) {
      callback(Object.assign(new Error(`no vetted IPv${family} address`), { code: 'ENOTFOUND' }));
      return;
    }
    if (options.all) callback(null, usable);
    else callback(null, usable[0].address, usable[0].family);
  };
}

export function systemResolve(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });
}

/**
 * The outbound address policy for one host, shared by every client Switchboard makes of a URL it was given (the
 * safe fetcher, MCP sessions): resolve it ourselves and refuse if ANY address is private, loopback, link-local…
 * unless the host or the address is allow-listed. `unresolved.cause` is the resolver's error (absent: no
 * address). Rejects only when `signal` fired.
 */
export type HostVerdict =
  | { kind: 'ok'; addresses: LookupAddress[] }
  | { kind: 'refused'; address: string; reason: string; /** the host was a name that resolved to `address` */ byName: boolean }
  | { kind: 'unresolved'; cause?: unknown };

export async function vetHost(
  host: string, allow: AllowList, resolve: (hostname: string) => Promise<LookupAddress[]>, signal: AbortSignal,
): Promise<HostVerdict> {
  const family = isIP(host);
  let addresses: LookupAddress[];
  if (family) {
    addresses = [{ address: host, family }];
  } else {
    try {
      addresses = await abortable(resolve(host), signal);
    } catch (err) {
      if (signal.aborted) throw err;
      return { kind: 'unresolved', cause: err };
    }
    if (!addresses.length) return { kind: 'unresolved' };
    if (allow.hasHost(host)) return { kind: 'ok', addresses };
  }
  for (const a of addresses) {
    if (allow.hasAddress(a.address)) continue;
    const reason = classifyAddress(a.address);
    if (reason) return { kind: 'refused', address: a.address, reason, byName: !family };
  }
  return { kind: 'ok', addresses };
}

function fetchFailed(why: string): ApiError {
  return new ApiError(400, `Could not fetch ${why}.`, { code: 'url_fetch_failed' });
}

function tooLarge(url: URL, limit: number): ApiError {
  return new ApiError(400, `${url.href} is larger than the limit of ${limit} bytes.`, { code: 'url_too_large' });
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  return e?.cause?.code ?? e?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

function truncate(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

export function bareHost(hostname: string): string {
  const h = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return h.toLowerCase().replace(/\.$/, '');
}

// ---- address classification ----------------------------------------------------------------------------

interface Net { base: bigint; prefix: number; v6: boolean }

const V4_BLOCKED: [string, string][] = [
  ['0.0.0.0/8', 'unspecified ("this network")'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier-grade NAT'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved (IETF protocol assignments)'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', 'reserved (6to4 relay)'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
];

const V6_BLOCKED: [string, string][] = [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'NAT64 local-use'],
  ['100::/64', 'discard-only'],
  ['2001::/32', 'Teredo'],
  ['2001:db8::/32', 'documentation'],
  ['fc00::/7', 'unique local (private)'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local'],
  ['ff00::/8', 'multicast'],
];

const V4_TABLE = V4_BLOCKED.map(([cidr, label]) => ({ net: parseCidr(cidr), label }));
const V6_TABLE = V6_BLOCKED.map(([cidr, label]) => ({ net: parseCidr(cidr), label }));

/** IPv6 prefixes that carry an IPv4 address in their low (or, for 6to4, middle) bits. */
const MAPPED = parseCidr('::ffff:0:0/96');
const COMPAT = parseCidr('::/96');
const NAT64 = parseCidr('64:ff9b::/96');
const SIX_TO_FOUR = parseCidr('2002::/16');

/**
 * Why an address must not be fetched from (`'loopback'`, `'private'`, …), or null for a public address.
 * IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4) are judged by that address.
 */
export function classifyAddress(ip: string): string | null {
  const parsed = parseIp(ip);
  if (!parsed) return 'unparseable';
  if (!parsed.v6) return V4_TABLE.find((r) => inNet(parsed.value, false, r.net))?.label ?? null;
  const a = parsed.value;
  const direct = V6_TABLE.find((r) => inNet(a, true, r.net))?.label;
  if (direct) return direct;
  let embedded: bigint | null = null;
  let form = '';
  if (inNet(a, true, MAPPED)) [embedded, form] = [a & 0xffffffffn, 'IPv4-mapped'];
  else if (inNet(a, true, COMPAT)) [embedded, form] = [a & 0xffffffffn, 'IPv4-compatible'];
  else if (inNet(a, true, NAT64)) [embedded, form] = [a & 0xffffffffn, 'NAT64'];
  else if (inNet(a, true, SIX_TO_FOUR)) [embedded, form] = [(a >> 80n) & 0xffffffffn, '6to4'];
  if (embedded === null) return null;
  const inner = V4_TABLE.find((r) => inNet(embedded!, false, r.net))?.label;
  return inner ? `${form} ${inner}` : null;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address, else the input. */
function unmap(ip: string): string {
  const p = parseIp(ip);
  if (!p || !p.v6 || !inNet(p.value, true, MAPPED)) return ip;
  const v = Number(p.value & 0xffffffffn);
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
}

function inNet(value: bigint, v6: boolean, net: Net): boolean {
  if (v6 !== net.v6) return false;
  const shift = BigInt((v6 ? 128 : 32) - net.prefix);
  return value >> shift === net.base >> shift;
}

export function parseIp(ip: string): { v6: boolean; value: bigint } | null {
  const s = ip.split('%')[0]; // drop an IPv6 zone id
  const kind = isIP(s);
  if (kind === 4) return { v6: false, value: v4ToBig(s) };
  if (kind !== 6) return null;
  let text = s;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    // `::ffff:1.2.3.4` → `::ffff:102:304`
    const v4 = Number(v4ToBig(text.slice(lastColon + 1)));
    text = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [headText, tailText] = text.includes('::') ? text.split('::') : [text, null];
  const hextets = (part: string) => (part ? part.split(':').map((h) => parseInt(h, 16)) : []);
  const head = hextets(headText);
  const rest = tailText === null ? [] : hextets(tailText);
  const groups = tailText === null ? head : [...head, ...new Array(8 - head.length - rest.length).fill(0), ...rest];
  if (groups.length !== 8) return null;
  return { v6: true, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n) };
}

function v4ToBig(s: string): bigint {
  return s.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
}

function parseCidr(cidr: string): Net {
  const [ip, bits] = cidr.split('/');
  const p = parseIp(ip);
  const max = p?.v6 ? 128 : 32;
  const prefix = bits === undefined ? max : Number(bits);
  if (!p || !Number.isInteger(prefix) || prefix < 0 || prefix > max) throw new Error(`invalid address or CIDR '${cidr}'`);
  return { base: p.value, prefix, v6: p.v6 };
}

/** The operator's exceptions: exact host names, `*.suffix` names, IPs and CIDRs. */
export class AllowList {
  private readonly hosts = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly nets: Net[] = [];

  constructor(entries: string[]) {
    for (const raw of entries) {
      const e = bareHost(raw.trim());
      if (!e) continue;
      if (e.includes('/') || isIP(e)) this.nets.push(parseCidr(unmap(e)));
      else if (e.startsWith('*.')) this.suffixes.push(e.slice(1));
      else this.hosts.add(e);
    }
  }

  hasHost(host: string): boolean {
    return this.hosts.has(host) || this.suffixes.some((s) => host.endsWith(s));
  }

  hasAddress(ip: string): boolean {
    const p = parseIp(unmap(ip));
    return !!p && this.nets.some((n) => inNet(p.value, p.v6, n));
  }
}
