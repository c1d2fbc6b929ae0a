/**
 * SearXNG's JSON API: `GET {base_url}/search?q=…&format=json` → `{results: [{url, title, content}], …}`. The
 * instance must list `json` under `search.formats` (else it answers 403). SearXNG has no parameter for
 * domains, result count or location: domains go into the query as `site:` terms, the count is cut here, and
 * `user_location` is not used (its `language` is a language, not a place).
 *
 * Domains: with up to MAX_SITE_QUERIES of them, one query per domain (`q site:a.com`), run at once and merged
 * in turn. SearXNG passes the query on to engines whose support for `OR` varies (DuckDuckGo and some others
 * ignore it, so `(site:a OR site:b)` can come back with results from neither), while a single `site:` is
 * understood by nearly all; the queries go to the operator's own instance, so fan-out costs no fees. With more
 * domains than that, one query with the `site:` terms OR'd. Either way the hits are post-filtered by host.
 */
import type { CancelSignal } from '../../api/cancellation.js';
import type { SearchHit, SearchQuery, WebSearchBackend } from './backends.js';
import { callJson, type BackendHttp } from './backend-http.js';
import { interleave, keepAllowed, normalizeDomains, withSiteTerms } from './domains.js';
import { plainText } from './snippet-text.js';
import { WebSearchError } from './web-search-error.js';

export const MAX_SITE_QUERIES = 4;

interface SearxngAnswer {
  results?: { url?: unknown; title?: unknown; content?: unknown }[];
  unresponsive_engines?: unknown[];
}

export class SearxngBackend implements WebSearchBackend {
  readonly name = 'searxng';

  constructor(private readonly http: BackendHttp) {}

  async search(q: SearchQuery, signal?: CancelSignal): Promise<SearchHit[]> {
    const domains = normalizeDomains(q.allowedDomains);
    const queries = domains.length === 0 ? [q.query]
      : domains.length <= MAX_SITE_QUERIES ? domains.map((d) => withSiteTerms(q.query, [d]))
        : [withSiteTerms(q.query, domains)];
    const settled = await Promise.allSettled(queries.map((text) => this.one(text, signal)));
    const lists = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (!lists.length) throw (settled[0] as PromiseRejectedResult).reason;
    return keepAllowed(interleave(lists), domains).slice(0, q.maxResults);
  }

  private async one(query: string, signal?: CancelSignal): Promise<SearchHit[]> {
    const json = await callJson(this.http, {
      service: 'SearXNG',
      method: 'GET',
      path: '/search',
      query: { q: query, format: 'json', pageno: 1 },
      headers: this.http.apiKey ? { authorization: `Bearer ${this.http.apiKey}` } : {},
      // 403 is the instance refusing JSON output (settings), not a key problem.
      codeFor: (status) => (status === 403 ? 'search_backend_error' : undefined),
      errorText: (j) => {
        const e = (j as { error?: unknown } | null)?.error;
        return typeof e === 'string' ? e : undefined;
      },
    }, signal) as SearxngAnswer;
    if (!json || typeof json !== 'object' || !Array.isArray(json.results)) {
      throw new WebSearchError('search_bad_response', 'SearXNG answered without a results list.');
    }
    const hits = json.results.flatMap((r) => (typeof r?.url === 'string' ? [{ url: r.url, title: plainText(r.title) || r.url, snippet: plainText(r.content) }] : []));
    if (!hits.length && Array.isArray(json.unresponsive_engines) && json.unresponsive_engines.length) {
      // Every engine failing looks like "no results"; the model should know the search itself failed.
      const engines = json.unresponsive_engines.map(describeEngine).join(', ');
      throw new WebSearchError('search_backend_error', `SearXNG found nothing because its engines did not answer: ${engines}.`);
    }
    return hits;
  }
}

/** SearXNG reports `[name, reason]` pairs. */
function describeEngine(e: unknown): string {
  if (Array.isArray(e)) return e.length > 1 ? `${String(e[0])} (${String(e[1])})` : String(e[0]);
  return String(e);
}
