/**
 * Tavily: `POST {base_url}/search` with `Authorization: Bearer <key>` and `{query, max_results,
 * include_domains, country, …}` → `{results: [{url, title, content, score}]}`. `max_results` is at most 20.
 * Domains are sent as `include_domains` (Tavily filters natively) and hits are post-filtered by host anyway.
 * `user_location.country` (ISO code) → Tavily's `country`, which takes a lower-case English country name from
 * a fixed list; a country outside that list is left out rather than failing the search.
 */
import type { CancelSignal } from '../../api/cancellation.js';
import type { SearchHit, SearchQuery, WebSearchBackend } from './backends.js';
import { callJson, type BackendHttp } from './backend-http.js';
import { keepAllowed, normalizeDomains } from './domains.js';
import { plainText } from './snippet-text.js';
import { WebSearchError } from './web-search-error.js';

const MAX_RESULTS = 20;

interface TavilyAnswer {
  results?: { url?: unknown; title?: unknown; content?: unknown }[];
}

export class TavilyBackend implements WebSearchBackend {
  readonly name = 'tavily';

  constructor(private readonly http: BackendHttp & { apiKey: string }) {}

  async search(q: SearchQuery, signal?: CancelSignal): Promise<SearchHit[]> {
    const domains = normalizeDomains(q.allowedDomains);
    const country = tavilyCountry(q.userLocation?.country);
    const json = await callJson(this.http, {
      service: 'Tavily',
      method: 'POST',
      path: '/search',
      headers: { authorization: `Bearer ${this.http.apiKey}` },
      body: {
        query: q.query,
        topic: 'general',
        search_depth: 'basic',
        max_results: Math.min(MAX_RESULTS, q.maxResults),
        include_answer: false,
        include_raw_content: false,
        include_images: false,
        ...(domains.length ? { include_domains: domains } : {}),
        ...(country ? { country } : {}),
      },
      errorText: tavilyError,
      // 432: the key's or plan's limit; 433: the pay-as-you-go limit.
      codeFor: (status) => (status === 432 || status === 433 ? 'search_rate_limited' : undefined),
    }, signal) as TavilyAnswer;
    if (!json || typeof json !== 'object' || !Array.isArray(json.results)) {
      throw new WebSearchError('search_bad_response', 'Tavily answered without a results list.');
    }
    const hits = json.results.flatMap((r) => (typeof r?.url === 'string' ? [{ url: r.url, title: plainText(r.title) || r.url, snippet: plainText(r.content) }] : []));
    return keepAllowed(hits, domains).slice(0, q.maxResults);
  }
}

/** `{"detail": {"error": "…"}}` */
function tavilyError(j: unknown): string | undefined {
  const d = (j as { detail?: unknown } | null)?.detail;
  if (typeof d === 'string') return d;
  const e = (d as { error?: unknown } | null)?.error;
  return typeof e === 'string' ? e : undefined;
}

/** Where Intl's English name differs from the name Tavily's list uses. */
const TAVILY_NAMES: Record<string, string> = {
  BA: 'bosnia and herzegovina', CD: '', CG: 'congo', CV: 'cape verde', CZ: 'czech republic', KP: 'north korea',
  KR: 'south korea', MM: 'myanmar', TR: 'turkey', TT: 'trinidad and tobago',
};

/** Tavily's `country` enum (docs.tavily.com, Search endpoint). */
const TAVILY_COUNTRIES = new Set([
  'afghanistan', 'albania', 'algeria', 'andorra', 'angola', 'argentina', 'armenia', 'australia', 'austria',
  'azerbaijan', 'bahamas', 'bahrain', 'bangladesh', 'barbados', 'belarus', 'belgium', 'belize', 'benin', 'bhutan',
  'bolivia', 'bosnia and herzegovina', 'botswana', 'brazil', 'brunei', 'bulgaria', 'burkina faso', 'burundi',
  'cambodia', 'cameroon', 'canada', 'cape verde', 'central african republic', 'chad', 'chile', 'china', 'colombia',
  'comoros', 'congo', 'costa rica', 'croatia', 'cuba', 'cyprus', 'czech republic', 'denmark', 'djibouti',
  'dominican republic', 'ecuador', 'egypt', 'el salvador', 'equatorial guinea', 'eritrea', 'estonia', 'ethiopia',
  'fiji', 'finland', 'france', 'gabon', 'gambia', 'georgia', 'germany', 'ghana', 'greece', 'guatemala', 'guinea',
  'haiti', 'honduras', 'hungary', 'iceland', 'india', 'indonesia', 'iran', 'iraq', 'ireland', 'israel', 'italy',
  'jamaica', 'japan', 'jordan', 'kazakhstan', 'kenya', 'kuwait', 'kyrgyzstan', 'latvia', 'lebanon', 'lesotho',
  'liberia', 'libya', 'liechtenstein', 'lithuania', 'luxembourg', 'madagascar', 'malawi', 'malaysia', 'maldives',
  'mali', 'malta', 'mauritania', 'mauritius', 'mexico', 'moldova', 'monaco', 'mongolia', 'montenegro', 'morocco',
  'mozambique', 'myanmar', 'namibia', 'nepal', 'netherlands', 'new zealand', 'nicaragua', 'niger', 'nigeria',
  'north korea', 'north macedonia', 'norway', 'oman', 'pakistan', 'panama', 'papua new guinea', 'paraguay', 'peru',
  'philippines', 'poland', 'portugal', 'qatar', 'romania', 'russia', 'rwanda', 'saudi arabia', 'senegal', 'serbia',
  'singapore', 'slovakia', 'slovenia', 'somalia', 'south africa', 'south korea', 'south sudan', 'spain',
  'sri lanka', 'sudan', 'sweden', 'switzerland', 'syria', 'taiwan', 'tajikistan', 'tanzania', 'thailand', 'togo',
  'trinidad and tobago', 'tunisia', 'turkey', 'turkmenistan', 'uganda', 'ukraine', 'united arab emirates',
  'united kingdom', 'united states', 'uruguay', 'uzbekistan', 'venezuela', 'vietnam', 'yemen', 'zambia', 'zimbabwe',
]);

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

/** An ISO 3166-1 alpha-2 code as Tavily names it, or undefined when Tavily does not take that country. */
export function tavilyCountry(iso: string | null | undefined): string | undefined {
  if (!iso || !/^[a-z]{2}$/i.test(iso)) return undefined;
  const code = iso.toUpperCase();
  const name = TAVILY_NAMES[code] ?? (regionNames.of(code) ?? '').toLowerCase().replace(/ & /g, ' and ');
  return TAVILY_COUNTRIES.has(name) ? name : undefined;
}
