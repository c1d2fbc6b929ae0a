/**
 * Opening a web page for the model: fetched through the SafeFetcher (so a search result or a URL the model
 * makes up cannot reach loopback, private or metadata addresses unless the operator allow-listed them), then
 * HTML → the article's text (Readability on a linkedom DOM; the body's text, minus navigation and other page
 * furniture, when Readability finds no article), plain text and Markdown as they are. Anything else (images,
 * PDFs, archives) is refused with a message saying so.
 */
import { parseHTML, readabilityClass } from './html-parsers.js';
import type { CancelSignal } from '../../api/cancellation.js';
import { ApiError } from '../../api/errors.js';
import type { SafeFetcher } from '../../content/safe-fetch.js';
import { deadline } from './deadline.js';
import { FURNITURE, htmlToText, tidy } from './html-to-text.js';
import { WebSearchError, type WebSearchErrorCode } from './web-search-error.js';

export interface PageText {
  /** Where the text came from, after redirects. */
  url: string;
  title: string;
  text: string;
}

export interface PageReaderOptions {
  /** The whole read, fetch included (ms; default 10000). */
  timeoutMs?: number;
  /** Longer text is cut (default 200000 characters): the model sees at most a budget of it anyway. */
  maxTextChars?: number;
  /**
   * Pages with more start tags than this (default 30000) skip Readability, whose scoring passes grow with the
   * element count, and are read as the body's text in one linear walk.
   */
  maxElementsForReadability?: number;
}

const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);
const TEXT_TYPES = new Set(['text/plain', 'text/markdown', 'text/x-markdown']);
export const DEFAULT_FIND_LIMIT = 10;
/** HTML past this many characters is cut before parsing: DOM building and Readability grow with it. */
const MAX_HTML_CHARS = 3_000_000;

export class PageReader {
  private readonly timeoutMs: number;
  private readonly maxTextChars: number;
  private readonly maxElements: number;

  constructor(private readonly fetcher: SafeFetcher, opts: PageReaderOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxTextChars = opts.maxTextChars ?? 200_000;
    this.maxElements = opts.maxElementsForReadability ?? 30_000;
  }

  async open(url: string, signal?: CancelSignal): Promise<PageText> {
    const d = deadline(signal, this.timeoutMs);
    let fetched;
    try {
      fetched = await this.fetcher.fetch(url, d.signal);
    } catch (err) {
      if (d.cancelled()) throw new WebSearchError('aborted', `Opening ${url} was cancelled.`);
      if (d.timedOut()) throw new WebSearchError('page_timeout', `${url} did not load within ${this.timeoutMs} ms.`);
      throw pageError(err, url);
    } finally {
      d.done();
    }
    const kind = kindOf(fetched.contentType, fetched.bytes);
    if (!kind) {
      const type = fetched.contentType || 'content of an unknown type';
      throw new WebSearchError('page_unsupported_type', `${fetched.url} is ${type}, which cannot be read as text (HTML, plain text and Markdown pages can).`);
    }
    const page = kind === 'html' ? readHtml(decode(fetched.bytes, true), fetched.url, this.maxElements) : readText(decode(fetched.bytes, false), fetched.url);
    if (page.text.length > this.maxTextChars) page.text = `${page.text.slice(0, this.maxTextChars)}…`;
    return page;
  }
}

/** Plain text or Markdown: as it is; the title is a leading Markdown heading, else the URL. */
function readText(raw: string, url: string): PageText {
  const text = tidy(raw);
  const heading = /^#{1,6} +(.+)$/m.exec(text.slice(0, 500))?.[1];
  return { url, title: heading?.trim() || url, text };
}

/** HTML → title and readable text. */
export function readHtml(html: string, url: string, maxElements = 30_000): PageText {
  const source = html.length > MAX_HTML_CHARS ? html.slice(0, MAX_HTML_CHARS) : html;
  const { document } = parseHTML(source);
  const docTitle = tidy(document.title ?? '');
  let text = '';
  let title = '';
  // Readability's own maxElemsToParse counts with getElementsByTagName('*'), which linkedom answers with
  // nothing; counting start tags in the source is close enough and costs one pass.
  if (countTags(source) <= maxElements) {
    try {
      const Readability = readabilityClass();
      const article = new Readability<unknown>(document as unknown as Document, { serializer: (n) => n }).parse();
      if (article?.content) {
        text = htmlToText(article.content as Parameters<typeof htmlToText>[0]);
        title = tidy(article.title ?? '');
      }
    } catch {
      // A malformed document Readability trips on: the body's text below still serves.
    }
  }
  if (!text) {
    // Readability changed the document it worked on: read the body from a fresh parse.
    const fresh = parseHTML(source).document;
    text = fresh.body ? htmlToText(fresh.body as unknown as Parameters<typeof htmlToText>[0], { skip: FURNITURE }) : '';
  }
  return { url, title: title || docTitle || url, text };
}

function countTags(html: string): number {
  let n = 0;
  for (let i = html.indexOf('<'); i >= 0; i = html.indexOf('<', i + 1)) {
    const c = html.charCodeAt(i + 1);
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) n++;
  }
  return n;
}

/**
 * `(text, pattern)` → each case-insensitive occurrence of `pattern` (a literal string, not a regular
 * expression) with up to `context` characters either side, cut at word boundaries and marked `…` where cut.
 * Occurrences whose windows overlap share one excerpt. At most `limit` excerpts.
 */
export function findInPage(text: string, pattern: string, opts: { context?: number; limit?: number } = {}): string[] {
  const needle = pattern.trim();
  if (!needle) return [];
  const context = opts.context ?? 200;
  const limit = opts.limit ?? DEFAULT_FIND_LIMIT;
  const re = new RegExp(needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'giu');
  const windows: [number, number][] = [];
  for (const m of text.matchAll(re)) {
    const start = Math.max(0, m.index - context);
    const end = Math.min(text.length, m.index + m[0].length + context);
    const last = windows[windows.length - 1];
    if (last && start <= last[1]) last[1] = end;
    else {
      if (windows.length === limit) break;
      windows.push([start, end]);
    }
  }
  return windows.map(([s, e]) => excerpt(text, s, e));
}

function excerpt(text: string, start: number, end: number): string {
  let s = start;
  let e = end;
  // Move inward to a word boundary so no word is cut in half.
  if (s > 0) while (s < e && !/\s/.test(text[s - 1])) s++;
  if (e < text.length) while (e > s && !/\s/.test(text[e])) e--;
  if (e <= s) [s, e] = [start, end];
  const body = text.slice(s, e).replace(/\s+/g, ' ').trim();
  return `${s > 0 ? '…' : ''}${body}${e < text.length ? '…' : ''}`;
}

function kindOf(contentType: string, bytes: Buffer): 'html' | 'text' | null {
  if (HTML_TYPES.has(contentType)) return 'html';
  if (TEXT_TYPES.has(contentType)) return 'text';
  if (contentType) return null;
  // No content type at all: look at the bytes.
  const head = bytes.subarray(0, 1024);
  if (head.includes(0)) return null;
  return /^\s*(<!doctype html|<html|<head|<body|<\?xml[^>]*>\s*<html)/i.test(head.toString('latin1')) ? 'html' : 'text';
}

/**
 * The fetcher keeps only the media type, not its charset: a BOM, then (HTML) a `<meta charset>`, then UTF-8 if
 * the bytes are valid UTF-8, else windows-1252 (what browsers assume for unlabelled legacy pages).
 */
function decode(bytes: Buffer, html: boolean): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8').decode(bytes.subarray(3));
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  if (html) {
    const head = bytes.subarray(0, 2048).toString('latin1');
    const declared = /<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_:.-]+)/i.exec(head)?.[1];
    if (declared) {
      try {
        const decoder = new TextDecoder(declared);
        return decoder.encoding === 'windows-1252' ? windows1252(bytes) : decoder.decode(bytes);
      } catch {
        // A label TextDecoder does not know: carry on guessing.
      }
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return windows1252(bytes);
  }
}

/** windows-1252's printable characters at 0x80–0x9F (undefined bytes stay as they are). */
const CP1252_HIGH = '€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8dŽ\x8f\x90‘’“”•–—˜™š›œ\x9džŸ';

/**
 * Node 20's TextDecoder decodes `windows-1252` (and `latin1`, `ascii`, which WHATWG makes the same) as
 * ISO-8859-1, leaving 0x80–0x9F as C1 controls where the web means quotes and dashes: mapped here.
 */
function windows1252(bytes: Buffer): string {
  return bytes.toString('latin1').replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]);
}

const FETCH_CODES: Record<string, WebSearchErrorCode> = {
  url_not_allowed: 'page_not_allowed',
  url_too_large: 'page_too_large',
  url_timeout: 'page_timeout',
  url_fetch_cancelled: 'aborted',
};

/** The SafeFetcher's refusals (ApiErrors meant for a client) as the WebSearchError the model will see. */
function pageError(err: unknown, url: string): WebSearchError {
  if (err instanceof WebSearchError) return err;
  if (err instanceof ApiError) return new WebSearchError(FETCH_CODES[err.code ?? ''] ?? 'page_fetch_failed', err.message);
  return new WebSearchError('page_fetch_failed', `Could not fetch ${url}.`, err instanceof Error ? err.message : String(err));
}
