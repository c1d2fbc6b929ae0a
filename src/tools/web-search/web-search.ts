/**
 * The web search service the `web_search` tool runs on: the configured backend for `search`, the page reader
 * for `open_page` and `find`, and compose.ts for what the model is told. Every failure is a WebSearchError
 * (the integrator turns it into a failed `web_search_call` the model sees). With `fetch_pages`, a search also
 * reads its hits' pages (at once, each within `page_timeout_ms`) for excerpts richer than the snippets; a page
 * that cannot be read falls back to its snippet. Pages read recently are kept a short while, so an `open_page`
 * or `find` on a URL the search just read costs no second fetch.
 */
import type { CancelSignal } from '../../api/cancellation.js';
import type { SafeFetcher } from '../../content/safe-fetch.js';
import { createBackend, type BackendKind, type SearchHit, type UserLocation, type WebSearchBackend } from './backends.js';
import { composeFind, composePage, composeResults, type ComposedResults, type ContextSize } from './compose.js';
import { normalizeDomains, urlAllowed } from './domains.js';
import { findInPage, PageReader, type PageText } from './page-reader.js';
import { WebSearchError, type WebSearchErrorCode } from './web-search-error.js';

/** `tools.web_search` in the configuration. */
export interface WebSearchOptions {
  /** Which service answers searches; absent or null: no web search (the tool is left out, as before). */
  backend?: BackendKind | null;
  /** SearXNG: the instance's URL (required). Brave and Tavily: their API's root (default: the public one). */
  base_url?: string;
  /** Brave and Tavily: required. SearXNG: optional, sent as `Authorization: Bearer` (an instance behind a proxy). */
  api_key?: string;
  /** Hits per search (1 to 20). */
  max_results?: number;
  /** Read the hits' pages for richer excerpts (true), or give the model the search snippets only (false). */
  fetch_pages?: boolean;
  /** One page read, fetch and parse (ms). */
  page_timeout_ms?: number;
  /** One request to the search backend (ms). */
  timeout_ms?: number;
}

export const WEB_SEARCH_DEFAULTS = {
  max_results: 5,
  fetch_pages: true,
  page_timeout_ms: 8_000,
  timeout_ms: 10_000,
} as const;

export interface WebSearchRequest {
  query: string;
  /** `filters.allowed_domains` of the tool. */
  allowedDomains?: string[];
  userLocation?: UserLocation | null;
  contextSize?: ContextSize;
  /** false: the search's snippets only, no page read (a tool offered with `external_web_access: false`). */
  fetchPages?: boolean;
}

export interface WebSearchResult extends ComposedResults {
  query: string;
  hits: SearchHit[];
  /** Hits whose page could not be read (their snippet was used): for the operator's logs. */
  pageFailures: { url: string; code: WebSearchErrorCode; message: string }[];
}

export interface PageResult extends ComposedResults {
  page: PageText;
}

export interface FindResult extends ComposedResults {
  page: PageText;
  matches: string[];
}

export interface PageRequestOptions {
  allowedDomains?: string[];
  contextSize?: ContextSize;
  /** For open_page: the query that led here, to show the page's most relevant part when it is long. */
  query?: string;
}

export interface WebSearch {
  readonly backendName: string;
  search(req: WebSearchRequest, signal?: CancelSignal): Promise<WebSearchResult>;
  openPage(url: string, signal?: CancelSignal, opts?: PageRequestOptions): Promise<PageResult>;
  find(url: string, pattern: string, signal?: CancelSignal, opts?: PageRequestOptions): Promise<FindResult>;
}

/**
 * The service for `options`, or null when no backend is configured. Throws a plain Error naming the setting when
 * the configuration is incomplete (SearXNG without `base_url`, Brave or Tavily without `api_key`).
 * `fetcher` reads every page, so pages pass the outbound address policy.
 */
export function createWebSearch(options: WebSearchOptions | null | undefined, fetcher: SafeFetcher): WebSearch | null {
  if (!options?.backend) return null;
  const timeoutMs = options.timeout_ms ?? WEB_SEARCH_DEFAULTS.timeout_ms;
  const backend = createBackend({ backend: options.backend, base_url: options.base_url, api_key: options.api_key, timeout_ms: timeoutMs });
  const maxResults = options.max_results ?? WEB_SEARCH_DEFAULTS.max_results;
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 20) throw new Error('tools.web_search.max_results must be a whole number from 1 to 20');
  const reader = new PageReader(fetcher, { timeoutMs: options.page_timeout_ms ?? WEB_SEARCH_DEFAULTS.page_timeout_ms });
  return new WebSearchService(backend, reader, maxResults, options.fetch_pages ?? WEB_SEARCH_DEFAULTS.fetch_pages);
}

const CACHE_ENTRIES = 64;
const CACHE_TTL_MS = 10 * 60_000;

export class WebSearchService implements WebSearch {
  readonly backendName: string;
  private readonly cache = new Map<string, { page: PageText; at: number }>();

  constructor(
    private readonly backend: WebSearchBackend,
    private readonly reader: PageReader,
    private readonly maxResults: number,
    private readonly fetchPages: boolean,
  ) {
    this.backendName = backend.name;
  }

  async search(req: WebSearchRequest, signal?: CancelSignal): Promise<WebSearchResult> {
    const query = typeof req.query === 'string' ? req.query.trim() : '';
    if (!query) throw new WebSearchError('search_invalid_query', 'The search query is empty.');
    let hits: SearchHit[];
    try {
      hits = await this.backend.search({ query, allowedDomains: req.allowedDomains, userLocation: req.userLocation, maxResults: this.maxResults }, signal);
    } catch (err) {
      throw asWebSearchError(err, signal);
    }
    const pages = new Map<string, PageText>();
    const pageFailures: WebSearchResult['pageFailures'] = [];
    if (this.fetchPages && req.fetchPages !== false && hits.length) {
      const domains = normalizeDomains(req.allowedDomains);
      await Promise.all(hits.map(async (hit) => {
        try {
          const page = await this.read(hit.url, domains, signal);
          pages.set(hit.url, page);
        } catch (err) {
          const e = asWebSearchError(err, signal);
          pageFailures.push({ url: hit.url, code: e.code, message: e.message });
        }
      }));
      if (signal?.aborted) throw new WebSearchError('aborted', 'The web search was cancelled.');
    }
    return { query, hits, pageFailures, ...composeResults(query, hits, pages, req.contextSize) };
  }

  async openPage(url: string, signal?: CancelSignal, opts: PageRequestOptions = {}): Promise<PageResult> {
    const page = await this.read(url, normalizeDomains(opts.allowedDomains), signal).catch((err: unknown) => {
      throw asWebSearchError(err, signal);
    });
    return { page, ...composePage(page, opts.contextSize, opts.query) };
  }

  async find(url: string, pattern: string, signal?: CancelSignal, opts: PageRequestOptions = {}): Promise<FindResult> {
    if (typeof pattern !== 'string' || !pattern.trim()) throw new WebSearchError('search_invalid_query', 'The text to find is empty.');
    const page = await this.read(url, normalizeDomains(opts.allowedDomains), signal).catch((err: unknown) => {
      throw asWebSearchError(err, signal);
    });
    const matches = findInPage(page.text, pattern);
    return { page, matches, ...composeFind(page, pattern, matches) };
  }

  /** The page at `url` (from the cache when read lately), refused when it or where it redirects is outside `domains`. */
  private async read(url: string, domains: string[], signal?: CancelSignal): Promise<PageText> {
    const outside = (u: string) => new WebSearchError('page_not_allowed', `${u} is outside the allowed domains (${domains.join(', ')}).`);
    if (domains.length && !urlAllowed(url, domains)) throw outside(url);
    let page = this.cached(url);
    if (!page) {
      page = await this.reader.open(url, signal);
      this.remember(url, page);
    }
    if (domains.length && !urlAllowed(page.url, domains)) throw outside(page.url);
    return page;
  }

  private cached(url: string): PageText | undefined {
    const hit = this.cache.get(url);
    if (!hit) return undefined;
    this.cache.delete(url);
    if (Date.now() - hit.at > CACHE_TTL_MS) return undefined;
    this.cache.set(url, hit); // most recently used last
    return hit.page;
  }

  private remember(url: string, page: PageText): void {
    this.cache.set(url, { page, at: Date.now() });
    if (this.cache.size > CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
  }
}

function asWebSearchError(err: unknown, signal?: CancelSignal): WebSearchError {
  if (err instanceof WebSearchError) return err;
  if (signal?.aborted) return new WebSearchError('aborted', 'The web search was cancelled.');
  return new WebSearchError('search_backend_error', 'The web search failed.', err instanceof Error ? err.stack ?? err.message : String(err));
}
