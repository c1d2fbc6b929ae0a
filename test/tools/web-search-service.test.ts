/**
 * createWebSearch end to end against a fake SearXNG that also serves the pages its results point to: a search
 * reads the hits' pages through the SafeFetcher for richer excerpts (or not, with fetch_pages: false), falls
 * back to snippets for pages it cannot read (refused by the address policy, a binary type, a redirect off the
 * allowed domains), and open_page / find reuse a page read lately. 127.0.0.1 and localhost stand for two sites.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SafeFetcher } from '../../src/content/safe-fetch.js';
import { CITE_INSTRUCTION } from '../../src/tools/web-search/compose.js';
import { createWebSearch, WEB_SEARCH_DEFAULTS, type WebSearch } from '../../src/tools/web-search/web-search.js';
import { WebSearchError } from '../../src/tools/web-search/web-search-error.js';
import { startFakeSearxng, type FakePage, type FakeSearxng } from '../fakes/fake-searxng.js';
import { APOLLO_HTML, APOLLO_PARAGRAPHS } from '../fakes/fake-web-pages.js';

let fake: FakeSearxng;
let port: string;
const pages: Record<string, FakePage> = {
  '/apollo': { contentType: 'text/html', body: APOLLO_HTML },
  '/facts.txt': { contentType: 'text/plain', body: 'Apollo facts.\nThe Eagle landed at 20:17 UTC.\nSix missions landed on the Moon.' },
  '/logo.png': { contentType: 'image/png', body: Buffer.from('89504e470d0a1a0a', 'hex') },
};
const allowLoopback = () => new SafeFetcher({ allowHosts: ['127.0.0.1', 'localhost'], timeoutMs: 5000 });

before(async () => {
  fake = await startFakeSearxng({
    pages,
    results: {
      'apollo 11': [
        { url: '/apollo', title: 'Apollo 11 | Space History', content: 'Apollo 11 landed on the Moon.' },
        { url: '/facts.txt', title: 'Apollo facts', content: 'Facts about Apollo.' },
        { url: '/logo.png', title: 'Logo', content: 'The Apollo logo.' },
      ],
    },
  });
  port = new URL(fake.url).port;
  // A page on "localhost" redirecting to the other "site": the port is known only now.
  pages['/off-site'] = { redirect: `http://127.0.0.1:${port}/apollo` };
});
after(() => fake.close());

async function fails(p: Promise<unknown>, code: string, match?: RegExp): Promise<WebSearchError> {
  const err = await p.then(() => null, (e: unknown) => e);
  assert.ok(err instanceof WebSearchError, `expected a WebSearchError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  if (match) assert.match(err.message, match);
  return err;
}

describe('createWebSearch', () => {
  test('no backend configured: null', () => {
    assert.equal(createWebSearch(undefined, allowLoopback()), null);
    assert.equal(createWebSearch(null, allowLoopback()), null);
    assert.equal(createWebSearch({}, allowLoopback()), null);
    assert.equal(createWebSearch({ backend: null }, allowLoopback()), null);
  });

  test('incomplete or wrong settings throw, naming the setting', () => {
    assert.throws(() => createWebSearch({ backend: 'searxng' }, allowLoopback()), /tools\.web_search\.base_url/);
    assert.throws(() => createWebSearch({ backend: 'tavily' }, allowLoopback()), /tools\.web_search\.api_key/);
    assert.throws(() => createWebSearch({ backend: 'searxng', base_url: 'http://x', max_results: 0 }, allowLoopback()), /max_results must be a whole number from 1 to 20/);
    assert.throws(() => createWebSearch({ backend: 'searxng', base_url: 'http://x', max_results: 21 }, allowLoopback()), /max_results/);
  });

  test('defaults', () => {
    assert.deepEqual(WEB_SEARCH_DEFAULTS, { max_results: 5, fetch_pages: true, page_timeout_ms: 8000, timeout_ms: 10000 });
    assert.equal(createWebSearch({ backend: 'brave', api_key: 'k' }, allowLoopback())!.backendName, 'brave');
  });
});

describe('search', () => {
  test('reads the hits\' pages for excerpts; a page that cannot be read falls back to its snippet', async () => {
    const ws = createWebSearch({ backend: 'searxng', base_url: fake.url }, allowLoopback())!;
    const hitsBefore = fake.pageHits.length;
    const r = await ws.search({ query: 'apollo 11' });
    assert.equal(r.query, 'apollo 11');
    assert.deepEqual(r.hits.map((h) => h.url), [`${fake.url}/apollo`, `${fake.url}/facts.txt`, `${fake.url}/logo.png`]);
    assert.deepEqual(r.sources.map((s) => s.url), r.hits.map((h) => h.url));
    assert.equal(fake.pageHits.length - hitsBefore, 3, 'each hit\'s page was fetched once');
    assert.match(r.text, new RegExp(`^\\[1\\] Apollo 11 \\| Space History — ${fake.url}/apollo$`, 'm'));
    assert.ok(r.text.includes(APOLLO_PARAGRAPHS[0]), 'the article\'s text, not just the snippet');
    assert.ok(!r.text.includes('Cookie settings'));
    assert.match(r.text, /Six missions landed on the Moon\./);
    assert.match(r.text, /\[3\] Logo — .*\/logo\.png\nThe Apollo logo\./, 'the PNG: its snippet');
    assert.deepEqual(r.pageFailures.map((f) => [f.url, f.code]), [[`${fake.url}/logo.png`, 'page_unsupported_type']]);
    assert.ok(r.text.endsWith(CITE_INSTRUCTION));
  });

  test('pages pass the outbound address policy: without an allow-list, loopback pages are not fetched and snippets serve', async () => {
    const ws = createWebSearch({ backend: 'searxng', base_url: fake.url }, new SafeFetcher({ timeoutMs: 5000 }))!;
    const hitsBefore = fake.pageHits.length;
    const r = await ws.search({ query: 'apollo 11' });
    assert.equal(fake.pageHits.length, hitsBefore, 'no page request reached the server');
    assert.deepEqual(r.pageFailures.map((f) => f.code), ['page_not_allowed', 'page_not_allowed', 'page_not_allowed']);
    assert.match(r.text, /\[1\] .*\nApollo 11 landed on the Moon\./);
    assert.ok(!r.text.includes(APOLLO_PARAGRAPHS[0]));
  });

  test('fetch_pages: false gives snippets only and fetches nothing', async () => {
    const ws = createWebSearch({ backend: 'searxng', base_url: fake.url, fetch_pages: false }, allowLoopback())!;
    const hitsBefore = fake.pageHits.length;
    const r = await ws.search({ query: 'apollo 11', contextSize: 'low' });
    assert.equal(fake.pageHits.length, hitsBefore);
    assert.deepEqual(r.pageFailures, []);
    assert.match(r.text, /Apollo 11 landed on the Moon\.\n\n\[2\] Apollo facts — .*\nFacts about Apollo\./);
  });

  test('max_results cuts the hits', async () => {
    const ws = createWebSearch({ backend: 'searxng', base_url: fake.url, max_results: 1, fetch_pages: false }, allowLoopback())!;
    assert.equal((await ws.search({ query: 'apollo 11' })).hits.length, 1);
  });

  test('allowed domains: hits and the pages they redirect to must stay on them', async () => {
    const ws = createWebSearch({ backend: 'searxng', base_url: fake.url }, allowLoopback())!;
    // A second instance whose results name the first one's pages through `localhost`.
    const local = `http://localhost:${port}`;
    const stubbed = await startFakeSearxng({
      results: {
        'apollo 11 site:localhost': [
          { url: `${local}/off-site`, title: 'Moved', content: 'This page moved.' },
          { url: `${local}/facts.txt`, title: 'Local facts', content: 'Facts, locally.' },
          { url: `${fake.url}/apollo`, title: 'Other host', content: 'Not on localhost.' },
        ],
      },
    });
    try {
      const scoped = createWebSearch({ backend: 'searxng', base_url: stubbed.url }, allowLoopback())!;
      const r = await scoped.search({ query: 'apollo 11', allowedDomains: ['localhost'] });
      assert.deepEqual(r.hits.map((h) => h.url), [`${local}/off-site`, `${local}/facts.txt`], 'the 127.0.0.1 hit is filtered out');
      assert.deepEqual(r.pageFailures.map((f) => f.code), ['page_not_allowed'], 'the page redirecting off the allowed domains is not used');
      assert.match(r.pageFailures[0].message, /outside the allowed domains \(localhost\)/);
      assert.match(r.text, /\[1\] Moved — .*\nThis page moved\./);
      assert.match(r.text, /Six missions landed on the Moon\./);
    } finally {
      await stubbed.close();
    }
    await fails(ws.openPage(`${fake.url}/apollo`, undefined, { allowedDomains: ['localhost'] }), 'page_not_allowed', /outside the allowed domains/);
  });

  test('an empty query and a failing backend are WebSearchErrors', async () => {
    const ws = createWebSearch({ backend: 'searxng', base_url: fake.url }, allowLoopback())!;
    await fails(ws.search({ query: '   ' }), 'search_invalid_query');
    const off = await startFakeSearxng({ jsonDisabled: true });
    try {
      const broken = createWebSearch({ backend: 'searxng', base_url: off.url }, allowLoopback())!;
      await fails(broken.search({ query: 'apollo 11' }), 'search_backend_error', /HTTP 403/);
    } finally {
      await off.close();
    }
  });

  test('already cancelled: aborted', async () => {
    const slow = await startFakeSearxng({ results: { q: [{ url: '/never', title: 't', content: 'c' }] } });
    try {
      const ws = createWebSearch({ backend: 'searxng', base_url: slow.url }, allowLoopback())!;
      const ac = new AbortController();
      ac.abort();
      await fails(ws.search({ query: 'q' }, ac.signal), 'aborted');
    } finally {
      await slow.close();
    }
  });
});

describe('open_page and find', () => {
  test('open_page gives the page composed for the model; find gives the matches; a page read lately is not fetched again', async () => {
    const ws = createWebSearch({ backend: 'searxng', base_url: fake.url }, allowLoopback())!;
    const url = `${fake.url}/apollo`;
    const before = fake.pageHits.length;
    const opened = await ws.openPage(url);
    assert.equal(opened.page.url, url);
    assert.match(opened.text, new RegExp(`^\\[1\\] Apollo 11 \\| Space History — ${url}\\n`));
    assert.ok(opened.text.includes(APOLLO_PARAGRAPHS[4]));
    assert.deepEqual(opened.sources, [{ type: 'url', url, title: 'Apollo 11 | Space History' }]);
    const found = await ws.find(url, 'ALDRIN');
    // Three mentions close together: one excerpt holding all three.
    assert.equal(found.matches.length, 1, JSON.stringify(found.matches));
    assert.equal(found.matches[0].match(/aldrin/gi)?.length, 3);
    assert.match(found.text, /^Occurrences of "ALDRIN" in Apollo 11 \| Space History/);
    assert.equal(fake.pageHits.length - before, 1, 'find used the page open_page read');
    const none = await ws.find(url, 'Saturn V');
    assert.deepEqual(none.matches, []);
    assert.match(none.text, /"Saturn V" does not occur/);
  });

  test('a page the search read is not fetched again by open_page', async () => {
    const ws = createWebSearch({ backend: 'searxng', base_url: fake.url }, allowLoopback())!;
    await ws.search({ query: 'apollo 11' });
    const before = fake.pageHits.length;
    await ws.openPage(`${fake.url}/facts.txt`);
    assert.equal(fake.pageHits.length, before);
  });

  test('open_page failures are WebSearchErrors the model can read', async () => {
    const ws = createWebSearch({ backend: 'searxng', base_url: fake.url }, new SafeFetcher({ timeoutMs: 5000 }))!;
    await fails(ws.openPage(`${fake.url}/apollo`), 'page_not_allowed', /loopback/);
    await fails(ws.find('not a url', 'x'), 'page_not_allowed', /not a valid absolute URL/);
    await fails(ws.find(`${fake.url}/apollo`, '  '), 'search_invalid_query', /text to find is empty/);
  });
});
