/**
 * A fake Tavily API on 127.0.0.1: `POST /search` with `Authorization: Bearer <key>` and a JSON body. Answers
 * Tavily's shape (`{query, follow_up_questions, answer, images, results: [{url, title, content, score,
 * raw_content}], response_time, request_id}`), honours `max_results` (0–20) and, like Tavily, `include_domains`
 * (unless `ignoreIncludeDomains`, to prove the caller filters too). Errors as Tavily: `{detail: {error}}` — 401
 * for a missing or wrong key, 400 for a bad body, or the scripted `failWith` (429, 432, 433…).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReceivedRequest } from './fake-turn.js';
import { createFakeServer, listenOnLoopback } from './fake-http.js';

export interface TavilyHit { url: string; title: string; content: string }

export interface FakeTavilyOptions {
  apiKey: string;
  results?: Record<string, TavilyHit[]>;
  ignoreIncludeDomains?: boolean;
  failWith?: { status: number; error: string };
}

export interface FakeTavily {
  url: string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

export async function startFakeTavily(opts: FakeTavilyOptions): Promise<FakeTavily> {
  const received: ReceivedRequest[] = [];
  const server = createFakeServer({
    received,
    badJson: (res) => tavilyError(res, 400, 'Invalid JSON body.'),
    crash: (res, err) => tavilyError(res, 500, `Internal Server Error: ${String(err)}`),
    handle: (req: IncomingMessage, res: ServerResponse, body: any, path: string) => {
      if (req.method !== 'POST' || path !== '/search') return tavilyError(res, 404, 'Not Found');
      if (req.headers.authorization !== `Bearer ${opts.apiKey}`) return tavilyError(res, 401, 'Unauthorized: missing or invalid API key.');
      if (opts.failWith) return tavilyError(res, opts.failWith.status, opts.failWith.error);
      if (!body || typeof body.query !== 'string' || !body.query) return tavilyError(res, 400, 'Query is required.');
      const max = body.max_results ?? 5;
      if (!Number.isInteger(max) || max < 0 || max > 20) return tavilyError(res, 400, 'max_results must be between 0 and 20.');
      let hits = opts.results?.[body.query] ?? [];
      const include: string[] = body.include_domains ?? [];
      if (include.length && !opts.ignoreIncludeDomains) {
        hits = hits.filter((h) => include.some((d) => new URL(h.url).hostname.endsWith(d)));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        query: body.query,
        follow_up_questions: null,
        answer: null,
        images: [],
        results: hits.slice(0, max).map((h, i) => ({ url: h.url, title: h.title, content: h.content, score: 0.9 - i * 0.1, raw_content: null })),
        response_time: 0.42,
        request_id: '123e4567-e89b-12d3-a456-426614174111',
      }));
    },
  });
  const { baseUrl, close } = await listenOnLoopback(server, '');
  return { url: baseUrl, received, close };
}

function tavilyError(res: ServerResponse, status: number, error: string) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ detail: { error } }));
}
