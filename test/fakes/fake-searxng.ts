/**
 * A fake SearXNG instance on 127.0.0.1 that also serves the pages its results point to. `GET /search?q=…&format=json`
 * answers SearXNG's JSON (`{query, number_of_results, results: [{url, title, content, engine, engines, score,
 * category, …}], answers, corrections, infoboxes, suggestions, unresponsive_engines}`); like a real instance it
 * answers 403 (an HTML page) when JSON output is disabled, and without `format=json` it serves HTML, which the
 * fake does not imitate (400). A result URL starting with `/` is made absolute against the fake's own address,
 * so results can point at `pages` it serves; any other path serves `pages[path]`, or follows `redirect`, or 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReceivedRequest } from './fake-turn.js';
import { createFakeServer, listenOnLoopback } from './fake-http.js';

export interface FakeHit { url: string; title: string; content: string }

export interface FakePage {
  contentType?: string;
  body?: string | Buffer;
  status?: number;
  /** Answer 302 to this location instead. */
  redirect?: string;
}

export interface FakeSearxngOptions {
  /** Hits per exact `q` (a `site:` term included); a function for anything else. Unknown queries: no results. */
  results?: Record<string, FakeHit[]> | ((q: string) => FakeHit[] | undefined);
  pages?: Record<string, FakePage>;
  /** The instance's settings lack `json` under `search.formats`: every search answers 403. */
  jsonDisabled?: boolean;
  /** Engines reported in `unresponsive_engines`, as `[name, reason]`. */
  unresponsiveEngines?: [string, string][];
}

export interface FakeSearxng {
  /** The instance's base URL (no trailing slash). */
  url: string;
  /** Every `q` received at /search, in order. */
  queries: string[];
  /** Every request (path with query string). */
  received: ReceivedRequest[];
  /** Paths of page requests, in order. */
  pageHits: string[];
  close(): Promise<void>;
}

export async function startFakeSearxng(opts: FakeSearxngOptions = {}): Promise<FakeSearxng> {
  const received: ReceivedRequest[] = [];
  const queries: string[] = [];
  const pageHits: string[] = [];
  let base = '';

  const server = createFakeServer({
    received,
    withQuery: true,
    crash: (res, err) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`fake failed: ${String(err)}`);
    },
    handle: (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://fake');
      if (url.pathname === '/search') {
        search(url, res);
        return;
      }
      pageHits.push(url.pathname);
      const page = opts.pages?.[url.pathname];
      if (!page) {
        res.writeHead(404, { 'content-type': 'text/html' });
        res.end('<html><body>Not Found</body></html>');
        return;
      }
      if (page.redirect) {
        res.writeHead(302, { location: page.redirect });
        res.end();
        return;
      }
      res.writeHead(page.status ?? 200, page.contentType ? { 'content-type': page.contentType } : {});
      res.end(page.body ?? '');
    },
  });

  function search(url: URL, res: ServerResponse): void {
    const q = url.searchParams.get('q') ?? '';
    queries.push(q);
    if (opts.jsonDisabled) {
      res.writeHead(403, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>403 Forbidden</title><h1>Forbidden</h1><p>You don\'t have the permission to access the requested resource.</p>');
      return;
    }
    if (url.searchParams.get('format') !== 'json') {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('the fake only speaks format=json');
      return;
    }
    const hits = (typeof opts.results === 'function' ? opts.results(q) : opts.results?.[q]) ?? [];
    const results = hits.map((h, i) => {
      const abs = h.url.startsWith('/') ? `${base}${h.url}` : h.url;
      return {
        url: abs,
        title: h.title,
        content: h.content,
        engine: 'duckduckgo',
        parsed_url: parsedUrl(abs),
        template: 'default.html',
        engines: ['duckduckgo', 'brave'],
        positions: [i + 1],
        score: 2 / (i + 1),
        category: 'general',
        publishedDate: null,
        thumbnail: null,
        priority: '',
      };
    });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({
      query: q,
      number_of_results: 0,
      results,
      answers: [],
      corrections: [],
      infoboxes: [],
      suggestions: [],
      unresponsive_engines: opts.unresponsiveEngines ?? [],
    }));
  }

  const { baseUrl, close } = await listenOnLoopback(server, '');
  base = baseUrl;
  return { url: baseUrl, queries, received, pageHits, close };
}

/** SearXNG's `parsed_url`: Python's urlparse tuple. */
function parsedUrl(u: string): string[] {
  try {
    const p = new URL(u);
    return [p.protocol.replace(':', ''), p.host, p.pathname, '', p.search.replace(/^\?/, ''), p.hash.replace(/^#/, '')];
  } catch {
    return ['', '', u, '', '', ''];
  }
}
