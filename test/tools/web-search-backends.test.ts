/**
 * The three search backends against fakes speaking each service's own API on loopback: what each sends (query,
 * count, domains, location, key header), what comes back (plain-text hits, cut to maxResults, post-filtered by
 * host whatever the service did), and every failure as a WebSearchError whose message never holds the key or
 * the backend's address.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBackend, type WebSearchBackend } from '../../src/tools/web-search/backends.js';
import { hostOf, normalizeDomain, urlAllowed } from '../../src/tools/web-search/domains.js';
import { MAX_SITE_QUERIES } from '../../src/tools/web-search/searxng-backend.js';
import { tavilyCountry } from '../../src/tools/web-search/tavily-backend.js';
import { WebSearchError } from '../../src/tools/web-search/web-search-error.js';
import { startFakeSearxng, type FakeSearxng } from '../fakes/fake-searxng.js';
import { startFakeBrave, type FakeBrave } from '../fakes/fake-brave-search.js';
import { startFakeTavily, type FakeTavily } from '../fakes/fake-tavily.js';

const BRAVE_KEY = 'BSA-secret-key-0123456789';
const TAVILY_KEY = 'tvly-secret-key-0123456789';

async function fails(p: Promise<unknown>, code: string, match?: RegExp): Promise<WebSearchError> {
  const err = await p.then(() => null, (e: unknown) => e);
  assert.ok(err instanceof WebSearchError, `expected a WebSearchError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  if (match) assert.match(err.message, match);
  return err;
}

function noSecrets(err: Error, ...secrets: string[]) {
  for (const s of secrets) assert.ok(!err.message.includes(s), `'${s}' leaked into: ${err.message}`);
}

describe('allowed domains', () => {
  test('entries are normalized to host names', () => {
    assert.equal(normalizeDomain('Example.COM'), 'example.com');
    assert.equal(normalizeDomain('https://docs.example.com/path?q=1'), 'docs.example.com');
    assert.equal(normalizeDomain('*.example.com'), 'example.com');
    assert.equal(normalizeDomain('example.com.'), 'example.com');
    assert.equal(normalizeDomain('bücher.de'), 'xn--bcher-kva.de');
    assert.equal(normalizeDomain('  '), null);
  });

  test('a domain allows itself and its subdomains, compared as hosts, not substrings', () => {
    const d = ['example.com'];
    assert.ok(urlAllowed('https://example.com/a', d));
    assert.ok(urlAllowed('https://docs.example.com/a', d));
    assert.ok(urlAllowed('http://EXAMPLE.com:8080/a', d));
    assert.ok(!urlAllowed('https://evil-example.com/a', d));
    assert.ok(!urlAllowed('https://example.com.evil.net/a', d));
    assert.ok(!urlAllowed('https://evil.net/?r=https://example.com', d));
    assert.ok(!urlAllowed('https://evil.net/example.com', d));
    assert.ok(!urlAllowed('ftp://example.com/a', d));
    assert.ok(urlAllowed('https://xn--bcher-kva.de/', [normalizeDomain('bücher.de')!]));
    assert.ok(urlAllowed('https://bücher.de/', [normalizeDomain('bücher.de')!]));
    assert.equal(hostOf('not a url'), null);
  });
});

describe('SearXNG', () => {
  let fake: FakeSearxng;
  let backend: WebSearchBackend;
  before(async () => {
    const hits = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({
      url: `https://${prefix}/page-${i + 1}`, title: `${prefix} <b>page</b> ${i + 1}`, content: `About &amp; around ${prefix} &#x27;${i + 1}&#x27;`,
    }));
    fake = await startFakeSearxng({
      results: {
        'moon landing': hits('news.example.com', 8),
        'moon landing site:nasa.gov': [
          { url: 'https://www.nasa.gov/apollo-11', title: 'Apollo 11', content: 'NASA on Apollo 11' },
          { url: 'https://nasa.gov.evil.net/fake', title: 'Fake', content: 'not NASA' },
          { url: 'https://history.nasa.gov/a11', title: 'History', content: 'NASA history office' },
        ],
        'moon landing site:esa.int': [
          { url: 'https://www.esa.int/moon', title: 'ESA Moon', content: 'ESA on the Moon' },
          { url: 'https://notesa.int/moon', title: 'Not ESA', content: 'a look-alike' },
        ],
      },
    });
    backend = createBackend({ backend: 'searxng', base_url: fake.url, timeout_ms: 5000 });
  });
  after(() => fake.close());

  test('sends q with format=json and returns plain-text hits cut to maxResults', async () => {
    const hits = await backend.search({ query: 'moon landing', maxResults: 3 });
    assert.equal(hits.length, 3);
    assert.deepEqual(hits[0], { url: 'https://news.example.com/page-1', title: 'news.example.com page 1', snippet: "About & around news.example.com '1'" });
    const last = fake.received[fake.received.length - 1];
    assert.match(last.path, /^\/search\?/);
    const params = new URL(last.path, 'http://x').searchParams;
    assert.equal(params.get('q'), 'moon landing');
    assert.equal(params.get('format'), 'json');
    assert.equal(last.headers.authorization, undefined, 'no key configured, no Authorization header');
  });

  test('allowed domains: one site: query per domain, merged in turn, post-filtered by host', async () => {
    fake.queries.length = 0;
    const hits = await backend.search({ query: 'moon landing', allowedDomains: ['nasa.gov', 'https://esa.int/'], maxResults: 10 });
    assert.deepEqual([...fake.queries].sort(), ['moon landing site:esa.int', 'moon landing site:nasa.gov']);
    assert.deepEqual(hits.map((h) => h.url), ['https://www.nasa.gov/apollo-11', 'https://www.esa.int/moon', 'https://history.nasa.gov/a11']);
  });

  test(`more than ${MAX_SITE_QUERIES} domains: one query with the site: terms OR'd`, async () => {
    fake.queries.length = 0;
    const domains = ['a.com', 'b.com', 'c.com', 'd.com', 'news.example.com'];
    const hits = await backend.search({ query: 'moon landing', allowedDomains: domains, maxResults: 5 });
    assert.deepEqual(fake.queries, ['moon landing (site:a.com OR site:b.com OR site:c.com OR site:d.com OR site:news.example.com)']);
    assert.deepEqual(hits, [], 'the fake knows no such query: nothing, and no error');
  });

  test('an optional key is sent as a bearer token (an instance behind an authenticating proxy)', async () => {
    const keyed = createBackend({ backend: 'searxng', base_url: fake.url, api_key: 'proxy-token', timeout_ms: 5000 });
    await keyed.search({ query: 'moon landing', maxResults: 1 });
    assert.equal(fake.received[fake.received.length - 1].headers.authorization, 'Bearer proxy-token');
  });

  test('JSON output disabled (403): an error that says how to fix the instance', async () => {
    const off = await startFakeSearxng({ jsonDisabled: true });
    try {
      const b = createBackend({ backend: 'searxng', base_url: off.url, timeout_ms: 5000 });
      const err = await fails(b.search({ query: 'x', maxResults: 3 }), 'search_backend_error', /HTTP 403: .*Forbidden.*search\.formats/);
      noSecrets(err, '127.0.0.1', new URL(off.url).port);
    } finally {
      await off.close();
    }
  });

  test('no results because every engine failed: an error naming the engines, not an empty list', async () => {
    const down = await startFakeSearxng({ unresponsiveEngines: [['google', 'timeout'], ['bing', 'CAPTCHA']] });
    try {
      const b = createBackend({ backend: 'searxng', base_url: down.url, timeout_ms: 5000 });
      await fails(b.search({ query: 'x', maxResults: 3 }), 'search_backend_error', /google \(timeout\), bing \(CAPTCHA\)/);
    } finally {
      await down.close();
    }
  });

  test('an instance that is down: search_unreachable, without its address', async () => {
    const gone = await startFakeSearxng();
    const url = gone.url;
    await gone.close();
    const b = createBackend({ backend: 'searxng', base_url: url, timeout_ms: 5000 });
    const err = await fails(b.search({ query: 'x', maxResults: 3 }), 'search_unreachable', /ECONNREFUSED/);
    noSecrets(err, '127.0.0.1', new URL(url).port);
    assert.match(err.detail ?? '', /127\.0\.0\.1/, 'the address is kept for the logs');
  });

  test('a base URL with a path keeps it (an instance under /searx)', async () => {
    const b = createBackend({ backend: 'searxng', base_url: `${fake.url}/searx/`, timeout_ms: 5000 });
    await b.search({ query: 'moon landing', maxResults: 1 }).catch(() => {});
    assert.match(fake.received[fake.received.length - 1].path, /^\/searx\/search\?q=moon/);
  });
});

describe('Brave Search', () => {
  let fake: FakeBrave;
  let backend: WebSearchBackend;
  before(async () => {
    fake = await startFakeBrave({
      apiKey: BRAVE_KEY,
      results: {
        'rust async': [
          { url: 'https://blog.rust-lang.org/async', title: 'Async <strong>Rust</strong>', description: 'The <strong>async</strong> book &amp; more' },
          { url: 'https://tokio.rs/tokio/tutorial', title: 'Tokio tutorial', description: 'Tokio is an asynchronous runtime' },
          { url: 'https://example.org/rust', title: 'Example', description: 'Elsewhere' },
        ],
        'rust async (site:rust-lang.org OR site:tokio.rs)': [
          { url: 'https://blog.rust-lang.org/async', title: 'Async Rust', description: 'a' },
          { url: 'https://rust-lang.org.example.net/x', title: 'Look-alike', description: 'b' },
          { url: 'https://tokio.rs/tokio/tutorial', title: 'Tokio', description: 'c' },
        ],
      },
    });
    backend = createBackend({ backend: 'brave', base_url: fake.url, api_key: BRAVE_KEY, timeout_ms: 5000 });
  });
  after(() => fake.close());

  test('sends the key header, count and location; strips highlighting from the results', async () => {
    const hits = await backend.search({
      query: 'rust async', maxResults: 2, userLocation: { country: 'gb', city: 'London', region: 'England', timezone: 'Europe/London' },
    });
    assert.deepEqual(hits, [
      { url: 'https://blog.rust-lang.org/async', title: 'Async Rust', snippet: 'The async book & more' },
      { url: 'https://tokio.rs/tokio/tutorial', title: 'Tokio tutorial', snippet: 'Tokio is an asynchronous runtime' },
    ]);
    const req = fake.received[fake.received.length - 1];
    assert.equal(req.headers['x-subscription-token'], BRAVE_KEY);
    assert.equal(req.headers['x-loc-city'], 'London');
    assert.equal(req.headers['x-loc-country'], 'GB');
    assert.equal(req.headers['x-loc-state-name'], 'England');
    assert.equal(req.headers['x-loc-timezone'], 'Europe/London');
    const p = fake.searches[fake.searches.length - 1];
    assert.equal(p.get('q'), 'rust async');
    assert.equal(p.get('count'), '2');
    assert.equal(p.get('country'), 'GB');
    assert.equal(p.get('result_filter'), 'web');
  });

  test('a city that HTTP headers cannot carry is left out instead of failing the search', async () => {
    await backend.search({ query: 'rust async', maxResults: 1, userLocation: { city: '東京', country: 'JP' } });
    const req = fake.received[fake.received.length - 1];
    assert.equal(req.headers['x-loc-city'], undefined);
    assert.equal(req.headers['x-loc-country'], 'JP');
  });

  test('allowed domains: site: terms OR\'d in one query, more asked for, post-filtered by host', async () => {
    const hits = await backend.search({ query: 'rust async', allowedDomains: ['rust-lang.org', 'tokio.rs'], maxResults: 5 });
    const p = fake.searches[fake.searches.length - 1];
    assert.equal(p.get('q'), 'rust async (site:rust-lang.org OR site:tokio.rs)');
    assert.equal(p.get('count'), '10');
    assert.deepEqual(hits.map((h) => h.url), ['https://blog.rust-lang.org/async', 'https://tokio.rs/tokio/tutorial']);
  });

  test('no web section (nothing found): no hits', async () => {
    assert.deepEqual(await backend.search({ query: 'nothing at all', maxResults: 5 }), []);
  });

  test('count is capped at Brave\'s 20', async () => {
    await backend.search({ query: 'rust async', maxResults: 20, allowedDomains: ['tokio.rs'] });
    assert.equal(fake.searches[fake.searches.length - 1].get('count'), '20');
  });

  test('a wrong key: search_auth_failed with Brave\'s code, never the key', async () => {
    const wrong = createBackend({ backend: 'brave', base_url: fake.url, api_key: 'BSA-wrong-key-000', timeout_ms: 5000 });
    const err = await fails(wrong.search({ query: 'rust async', maxResults: 3 }), 'search_auth_failed', /HTTP 401: SUBSCRIPTION_TOKEN_INVALID: The provided subscription token is invalid/);
    noSecrets(err, 'BSA-wrong-key-000', BRAVE_KEY);
  });

  test('rate limited: search_rate_limited; a vendor message echoing the key is redacted', async () => {
    const limited = await startFakeBrave({ apiKey: BRAVE_KEY, failWith: { status: 429, code: 'RATE_LIMITED', detail: `Request rate limit exceeded for token ${BRAVE_KEY}.` } });
    try {
      const b = createBackend({ backend: 'brave', base_url: limited.url, api_key: BRAVE_KEY, timeout_ms: 5000 });
      const err = await fails(b.search({ query: 'x', maxResults: 3 }), 'search_rate_limited', /RATE_LIMITED: Request rate limit exceeded for token \*\*\*/);
      noSecrets(err, BRAVE_KEY);
    } finally {
      await limited.close();
    }
  });
});

describe('Tavily', () => {
  let fake: FakeTavily;
  let backend: WebSearchBackend;
  const results = {
    'who won the 2022 world cup': [
      { url: 'https://www.fifa.com/worldcup/2022', title: 'FIFA World Cup 2022', content: 'Argentina won the final on penalties.' },
      { url: 'https://en.wikipedia.org/wiki/2022_FIFA_World_Cup_final', title: '2022 FIFA World Cup final', content: 'The final was played at Lusail.' },
      { url: 'https://fifa.com.example.net/fake', title: 'Look-alike', content: 'Not FIFA.' },
    ],
  };
  before(async () => {
    fake = await startFakeTavily({ apiKey: TAVILY_KEY, results });
    backend = createBackend({ backend: 'tavily', base_url: fake.url, api_key: TAVILY_KEY, timeout_ms: 5000 });
  });
  after(() => fake.close());

  test('POSTs the query with the bearer key, max_results, include_domains and country', async () => {
    const hits = await backend.search({
      query: 'who won the 2022 world cup', maxResults: 2, allowedDomains: ['FIFA.com', 'https://en.wikipedia.org/'], userLocation: { country: 'US', city: 'Austin' },
    });
    const req = fake.received[fake.received.length - 1];
    assert.equal(req.method, 'POST');
    assert.equal(req.headers.authorization, `Bearer ${TAVILY_KEY}`);
    assert.equal(req.body.query, 'who won the 2022 world cup');
    assert.equal(req.body.max_results, 2);
    assert.deepEqual(req.body.include_domains, ['fifa.com', 'en.wikipedia.org']);
    assert.equal(req.body.country, 'united states');
    assert.equal(req.body.include_raw_content, false);
    assert.deepEqual(hits.map((h) => h.url), ['https://www.fifa.com/worldcup/2022', 'https://en.wikipedia.org/wiki/2022_FIFA_World_Cup_final']);
    assert.equal(hits[0].snippet, 'Argentina won the final on penalties.');
  });

  test('post-filters even when the service ignored include_domains', async () => {
    const lax = await startFakeTavily({ apiKey: TAVILY_KEY, results, ignoreIncludeDomains: true });
    try {
      const b = createBackend({ backend: 'tavily', base_url: lax.url, api_key: TAVILY_KEY, timeout_ms: 5000 });
      const hits = await b.search({ query: 'who won the 2022 world cup', maxResults: 5, allowedDomains: ['fifa.com'] });
      assert.deepEqual(hits.map((h) => h.url), ['https://www.fifa.com/worldcup/2022']);
    } finally {
      await lax.close();
    }
  });

  test('country codes map to Tavily\'s names; ones it does not take are left out', () => {
    assert.equal(tavilyCountry('gb'), 'united kingdom');
    assert.equal(tavilyCountry('CZ'), 'czech republic');
    assert.equal(tavilyCountry('KR'), 'south korea');
    assert.equal(tavilyCountry('BA'), 'bosnia and herzegovina');
    assert.equal(tavilyCountry('AQ'), undefined);
    assert.equal(tavilyCountry('USA'), undefined);
    assert.equal(tavilyCountry(null), undefined);
  });

  test('no location, no domains: neither field is sent', async () => {
    await backend.search({ query: 'who won the 2022 world cup', maxResults: 1 });
    const body = fake.received[fake.received.length - 1].body;
    assert.ok(!('country' in body) && !('include_domains' in body), JSON.stringify(body));
  });

  test('a wrong key: search_auth_failed with Tavily\'s message, never the key', async () => {
    const wrong = createBackend({ backend: 'tavily', base_url: fake.url, api_key: 'tvly-wrong-000', timeout_ms: 5000 });
    const err = await fails(wrong.search({ query: 'x', maxResults: 3 }), 'search_auth_failed', /HTTP 401: Unauthorized: missing or invalid API key/);
    noSecrets(err, 'tvly-wrong-000', TAVILY_KEY);
  });

  test('plan limit (432): search_rate_limited', async () => {
    const over = await startFakeTavily({ apiKey: TAVILY_KEY, failWith: { status: 432, error: "This request exceeds your plan's set usage limit." } });
    try {
      const b = createBackend({ backend: 'tavily', base_url: over.url, api_key: TAVILY_KEY, timeout_ms: 5000 });
      await fails(b.search({ query: 'x', maxResults: 3 }), 'search_rate_limited', /HTTP 432: This request exceeds your plan/);
    } finally {
      await over.close();
    }
  });
});

describe('time limit, cancellation, configuration', () => {
  let hang: Server;
  let hangUrl: string;
  before(async () => {
    hang = createServer(() => { /* never answers */ });
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    hangUrl = `http://127.0.0.1:${(hang.address() as AddressInfo).port}`;
  });
  after(async () => {
    hang.closeAllConnections();
    await new Promise<void>((r) => hang.close(() => r()));
  });

  test('a backend that never answers: search_timeout after timeout_ms', async () => {
    const b = createBackend({ backend: 'tavily', base_url: hangUrl, api_key: TAVILY_KEY, timeout_ms: 300 });
    const started = Date.now();
    const err = await fails(b.search({ query: 'x', maxResults: 3 }), 'search_timeout', /Tavily did not answer within 300 ms/);
    assert.ok(Date.now() - started < 5000);
    noSecrets(err, TAVILY_KEY, '127.0.0.1');
  });

  test('the caller cancelling ends the request at once: aborted', async () => {
    const b = createBackend({ backend: 'brave', base_url: hangUrl, api_key: BRAVE_KEY, timeout_ms: 60_000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const started = Date.now();
    await fails(b.search({ query: 'x', maxResults: 3 }, ac.signal), 'aborted');
    assert.ok(Date.now() - started < 5000);
  });

  test('missing settings are configuration errors naming the setting', () => {
    assert.throws(() => createBackend({ backend: 'searxng', timeout_ms: 1000 }), /tools\.web_search\.base_url is required for the 'searxng' backend/);
    assert.throws(() => createBackend({ backend: 'brave', timeout_ms: 1000 }), /tools\.web_search\.api_key is required for the 'brave' backend/);
    assert.throws(() => createBackend({ backend: 'tavily', timeout_ms: 1000 }), /tools\.web_search\.api_key is required for the 'tavily' backend/);
    assert.throws(() => createBackend({ backend: 'bing' as never, timeout_ms: 1000 }), /unknown backend 'bing'/);
    assert.equal(createBackend({ backend: 'brave', api_key: 'k', timeout_ms: 1000 }).name, 'brave');
  });
});
