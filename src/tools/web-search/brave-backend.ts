/**
 * Brave Search API: `GET {base_url}/res/v1/web/search?q=…&count=…&country=…` with `X-Subscription-Token`
 * → `{web: {results: [{url, title, description}]}}`. `count` is at most 20. Domains go into the query as
 * `site:` terms (OR'd when several: Brave's query syntax has `OR`, and each query is billed, so no fan-out);
 * hits are post-filtered by host. `user_location` → `country` plus Brave's `X-Loc-*` headers.
 */
import type { CancelSignal } from '../../api/cancellation.js';
import type { SearchHit, SearchQuery, WebSearchBackend } from './backends.js';
import { callJson, type BackendHttp } from './backend-http.js';
import { keepAllowed, normalizeDomains, withSiteTerms } from './domains.js';
import { plainText } from './snippet-text.js';
import { WebSearchError } from './web-search-error.js';

const MAX_COUNT = 20;

interface BraveAnswer {
  web?: { results?: { url?: unknown; title?: unknown; description?: unknown }[] };
}

export class BraveBackend implements WebSearchBackend {
  readonly name = 'brave';

  constructor(private readonly http: BackendHttp & { apiKey: string }) {}

  async search(q: SearchQuery, signal?: CancelSignal): Promise<SearchHit[]> {
    const domains = normalizeDomains(q.allowedDomains);
    const loc = q.userLocation ?? {};
    const country = /^[a-z]{2}$/i.test(loc.country ?? '') ? loc.country!.toUpperCase() : undefined;
    const headers: Record<string, string> = { 'x-subscription-token': this.http.apiKey };
    // Header values must be Latin-1; a city such as "Zürich" is fine, "東京" is not and is left out.
    const locHeader = (name: string, v: string | null | undefined) => {
      if (v && /^[\x20-\x7e\xa0-\xff]+$/.test(v)) headers[name] = v;
    };
    locHeader('x-loc-country', country);
    locHeader('x-loc-city', loc.city);
    locHeader('x-loc-state-name', loc.region);
    locHeader('x-loc-timezone', loc.timezone);
    // Ask for more when filtering, since post-filtering may drop some.
    const count = Math.min(MAX_COUNT, domains.length ? q.maxResults * 2 : q.maxResults);
    const json = await callJson(this.http, {
      service: 'Brave Search',
      method: 'GET',
      path: '/res/v1/web/search',
      query: { q: withSiteTerms(q.query, domains), count, country, result_filter: 'web', text_decorations: 'false' },
      headers,
      errorText: braveError,
    }, signal) as BraveAnswer;
    if (!json || typeof json !== 'object') throw new WebSearchError('search_bad_response', 'Brave Search answered with something other than a search result.');
    // No `web` section means no web results (Brave leaves it out rather than sending an empty list).
    const results = json.web?.results ?? [];
    if (!Array.isArray(results)) throw new WebSearchError('search_bad_response', 'Brave Search answered with web.results that is not a list.');
    const hits = results.flatMap((r) => (typeof r?.url === 'string' ? [{ url: r.url, title: plainText(r.title) || r.url, snippet: plainText(r.description) }] : []));
    return keepAllowed(hits, domains).slice(0, q.maxResults);
  }
}

/** `{"type":"ErrorResponse","error":{"code":"SUBSCRIPTION_TOKEN_INVALID","detail":"…","status":401}}` */
function braveError(j: unknown): string | undefined {
  const e = (j as { error?: { code?: unknown; detail?: unknown } } | null)?.error;
  if (!e || typeof e !== 'object') return undefined;
  const parts = [e.code, e.detail].filter((p): p is string => typeof p === 'string' && p.length > 0);
  return parts.length ? parts.join(': ') : undefined;
}
