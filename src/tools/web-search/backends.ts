/**
 * A search backend answers one query with ranked hits. Each speaks its service's own API (searxng-backend.ts,
 * brave-backend.ts, tavily-backend.ts); none fetches the pages themselves (page-reader.ts does, through the
 * safe fetcher). Every backend post-filters by `allowedDomains`, whatever the service claims to have done.
 */
import type { CancelSignal } from '../../api/cancellation.js';
import { BraveBackend } from './brave-backend.js';
import { SearxngBackend } from './searxng-backend.js';
import { TavilyBackend } from './tavily-backend.js';

/** OpenAI's `user_location` of a web_search tool (`type: "approximate"` dropped). */
export interface UserLocation {
  /** ISO 3166-1 alpha-2, e.g. `US`. */
  country?: string | null;
  city?: string | null;
  /** Free text, e.g. `California`. */
  region?: string | null;
  /** IANA, e.g. `America/Los_Angeles`. */
  timezone?: string | null;
}

export interface SearchQuery {
  query: string;
  /** `filters.allowed_domains`: a domain allows its subdomains. Empty or absent: any domain. */
  allowedDomains?: string[];
  userLocation?: UserLocation | null;
  /** At most this many hits come back. */
  maxResults: number;
}

export interface SearchHit {
  url: string;
  title: string;
  /** Plain text (tags and entities already removed). */
  snippet: string;
}

export interface WebSearchBackend {
  readonly name: string;
  search(q: SearchQuery, signal?: CancelSignal): Promise<SearchHit[]>;
}

export type BackendKind = 'searxng' | 'brave' | 'tavily';

export interface BackendSettings {
  backend: BackendKind;
  /** The service's root (SearXNG: the instance's URL, required; Brave and Tavily: their public API by default). */
  base_url?: string;
  api_key?: string;
  /** One request to the backend, connection to last byte (ms). */
  timeout_ms: number;
}

export const DEFAULT_BASE_URLS: Record<BackendKind, string | null> = {
  searxng: null,
  brave: 'https://api.search.brave.com',
  tavily: 'https://api.tavily.com',
};

/**
 * The configured backend. Throws a plain Error naming the missing setting (a configuration mistake, reported at
 * start-up): SearXNG needs `base_url`; Brave and Tavily need `api_key`.
 */
export function createBackend(s: BackendSettings): WebSearchBackend {
  if (!Object.hasOwn(DEFAULT_BASE_URLS, s.backend)) {
    throw new Error(`tools.web_search.backend: unknown backend '${String(s.backend)}' (searxng, brave or tavily)`);
  }
  const baseUrl = s.base_url ?? DEFAULT_BASE_URLS[s.backend];
  if (!baseUrl) throw new Error(`tools.web_search.base_url is required for the '${s.backend}' backend (the URL of your instance)`);
  const http = { baseUrl, timeoutMs: s.timeout_ms };
  switch (s.backend) {
    case 'searxng':
      return new SearxngBackend({ ...http, apiKey: s.api_key });
    case 'brave':
      return new BraveBackend({ ...http, apiKey: requireKey(s) });
    case 'tavily':
      return new TavilyBackend({ ...http, apiKey: requireKey(s) });
  }
}

function requireKey(s: BackendSettings): string {
  if (!s.api_key) throw new Error(`tools.web_search.api_key is required for the '${s.backend}' backend`);
  return s.api_key;
}
