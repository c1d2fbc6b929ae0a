/**
 * One JSON exchange with a search backend: a whole-request deadline, a cap on the answer's size, and every
 * failure as a WebSearchError whose message names the backend (never its host or the key). Backends are the
 * operator's own choice, so they are not put through the outbound address policy (a SearXNG on the LAN is the
 * usual case); the pages they point to are.
 */
import { request } from 'undici';
import type { CancelSignal } from '../../api/cancellation.js';
import { deadline } from './deadline.js';
import { redact, WebSearchError, type WebSearchErrorCode } from './web-search-error.js';

export interface BackendHttp {
  baseUrl: string;
  timeoutMs: number;
  apiKey?: string;
}

export interface JsonCall {
  /** For messages: `SearXNG`, `Brave Search`, `Tavily`. */
  service: string;
  method: 'GET' | 'POST';
  /** Appended to the base URL's path. */
  path: string;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  body?: unknown;
  /** The vendor's error text from a non-2xx answer's body, when it has one. */
  errorText?: (json: unknown) => string | undefined;
  /** Overrides the status → code table for vendor-specific statuses (Tavily's 432/433). */
  codeFor?: (status: number) => WebSearchErrorCode | undefined;
}

const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

export async function callJson(http: BackendHttp, call: JsonCall, signal?: CancelSignal): Promise<unknown> {
  const url = joinUrl(http.baseUrl, call.path);
  for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
  const d = deadline(signal, http.timeoutMs);
  const scrub = (s: string) => redact(s, http.apiKey);
  try {
    let res;
    try {
      res = await request(url, {
        method: call.method,
        headers: {
          accept: 'application/json',
          'user-agent': 'Switchboard-WebSearch/1',
          ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...call.headers,
        },
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal: d.signal,
      });
    } catch (err) {
      throw transportError(call.service, err, d, http.timeoutMs, scrub);
    }
    let text: string;
    try {
      text = await readCapped(res.body, MAX_ANSWER_BYTES);
    } catch (err) {
      if (err instanceof WebSearchError) throw err;
      throw transportError(call.service, err, d, http.timeoutMs, scrub);
    }
    let json: unknown;
    let parsed = true;
    try {
      json = JSON.parse(text);
    } catch {
      parsed = false;
    }
    if (res.statusCode < 200 || res.statusCode > 299) {
      const status = res.statusCode;
      const vendor = parsed ? call.errorText?.(json) : undefined;
      const why = vendor ?? (parsed ? '' : text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200));
      const code = call.codeFor?.(status) ?? codeForStatus(status);
      throw new WebSearchError(code, scrub(`${call.service} answered HTTP ${status}${why ? `: ${why}` : ''}${hintFor(call.service, status)}`));
    }
    if (!parsed) {
      throw new WebSearchError('search_bad_response', `${call.service} answered with something other than JSON: ${scrub(text.slice(0, 120))}`);
    }
    return json;
  } finally {
    d.done();
  }
}

function codeForStatus(status: number): WebSearchErrorCode {
  if (status === 401 || status === 403) return 'search_auth_failed';
  if (status === 429) return 'search_rate_limited';
  if (status === 400 || status === 422) return 'search_invalid_query';
  return 'search_backend_error';
}

/** SearXNG answers 403 when its `search.formats` lacks `json`: the one misconfiguration everybody hits. */
function hintFor(service: string, status: number): string {
  if (service === 'SearXNG' && status === 403) return " (is 'json' listed under search.formats in the instance's settings.yml?)";
  return '';
}

function transportError(service: string, err: unknown, d: { timedOut(): boolean; cancelled(): boolean }, timeoutMs: number, scrub: (s: string) => string): WebSearchError {
  const detail = scrub(err instanceof Error ? `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}` : String(err));
  if (d.cancelled()) return new WebSearchError('aborted', `The ${service} search was cancelled.`, detail);
  if (d.timedOut()) return new WebSearchError('search_timeout', `${service} did not answer within ${timeoutMs} ms.`, detail);
  return new WebSearchError('search_unreachable', `Could not reach ${service} (${errorCode(err)}).`, detail);
}

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown }; name?: unknown };
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  return typeof e?.name === 'string' ? e.name : 'error';
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy?(): void }, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy?.();
      throw new WebSearchError('search_bad_response', `The search answer was larger than ${limit} bytes.`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/** `base` + `path`, keeping a base path (`https://host/searx` + `/search` → `https://host/searx/search`). */
function joinUrl(base: string, path: string): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  return url;
}
