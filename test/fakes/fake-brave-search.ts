/**
 * A fake Brave Search API on 127.0.0.1: `GET /res/v1/web/search?q=…&count=…` with `X-Subscription-Token`.
 * Answers Brave's shape (`{type: "search", query: {original, …}, mixed, web: {type: "search", results: [{title,
 * url, description, …}]}}`, leaving out `web` when nothing matched, as Brave does), honours `count` (1–20), and
 * errors as Brave does: `{type: "ErrorResponse", error: {id, status, code, detail, meta}, time}` — 401
 * SUBSCRIPTION_TOKEN_INVALID for a wrong key, 422 VALIDATION for a bad `count`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReceivedRequest } from './fake-turn.js';
import { createFakeServer, listenOnLoopback } from './fake-http.js';

export interface BraveHit { url: string; title: string; description: string }

export interface FakeBraveOptions {
  apiKey: string;
  /** Hits per exact `q`; unknown queries have no web results. */
  results?: Record<string, BraveHit[]>;
  /** Answer every search with this status and a Brave error (RATE_LIMITED for 429). */
  failWith?: { status: number; code: string; detail: string };
}

export interface FakeBrave {
  url: string;
  received: ReceivedRequest[];
  /** The query parameters of each search. */
  searches: URLSearchParams[];
  close(): Promise<void>;
}

export async function startFakeBrave(opts: FakeBraveOptions): Promise<FakeBrave> {
  const received: ReceivedRequest[] = [];
  const searches: URLSearchParams[] = [];
  const server = createFakeServer({
    received,
    withQuery: true,
    crash: (res, err) => braveError(res, 500, 'INTERNAL', String(err)),
    handle: (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://fake');
      if (req.method !== 'GET' || url.pathname !== '/res/v1/web/search') return braveError(res, 404, 'NOT_FOUND', 'Resource not found.');
      searches.push(url.searchParams);
      if (req.headers['x-subscription-token'] !== opts.apiKey) {
        return braveError(res, 401, 'SUBSCRIPTION_TOKEN_INVALID', 'The provided subscription token is invalid.');
      }
      if (opts.failWith) return braveError(res, opts.failWith.status, opts.failWith.code, opts.failWith.detail);
      const q = url.searchParams.get('q') ?? '';
      if (!q) return braveError(res, 422, 'VALIDATION', 'Unable to validate request parameter(s).');
      const count = Number(url.searchParams.get('count') ?? 20);
      if (!Number.isInteger(count) || count < 1 || count > 20) return braveError(res, 422, 'VALIDATION', 'Unable to validate request parameter(s).');
      const hits = (opts.results?.[q] ?? []).slice(0, count);
      const body: Record<string, unknown> = {
        type: 'search',
        query: { original: q, show_strict_warning: false, is_navigational: false, is_news_breaking: false, spellcheck_off: true, country: (url.searchParams.get('country') ?? 'us').toLowerCase(), bad_results: false, should_fallback: false, postal_code: '', city: '', header_country: '', more_results_available: false, state: '' },
        mixed: { type: 'mixed', main: hits.map((_, i) => ({ type: 'web', index: i, all: false })), top: [], side: [] },
      };
      if (hits.length) {
        body.web = {
          type: 'search',
          family_friendly: true,
          results: hits.map((h) => ({
            title: h.title,
            url: h.url,
            is_source_local: false,
            is_source_both: false,
            description: h.description,
            profile: { name: new URL(h.url).hostname, url: h.url, long_name: new URL(h.url).hostname, img: '' },
            language: 'en',
            family_friendly: true,
            type: 'search_result',
            subtype: 'generic',
            is_live: false,
            meta_url: { scheme: 'https', netloc: new URL(h.url).hostname, hostname: new URL(h.url).hostname, favicon: '', path: new URL(h.url).pathname },
          })),
        };
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    },
  });
  const { baseUrl, close } = await listenOnLoopback(server, '');
  return { url: baseUrl, received, searches, close };
}

function braveError(res: ServerResponse, status: number, code: string, detail: string) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({
    type: 'ErrorResponse',
    error: { id: 'c6a5d9e1-0000-4000-8000-000000000000', status, code, detail, meta: { component: 'api' } },
    time: Math.floor(Date.now() / 1000),
  }));
}
