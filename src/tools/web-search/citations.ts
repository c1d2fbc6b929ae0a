/**
 * `url_citation` annotations for an answer: every markdown link `[label](url)` and every bare URL in the text
 * whose URL is one of the sources the model was given. Indices are UTF-16 code units, start inclusive and end
 * exclusive (what `text.slice(start_index, end_index)` takes, and what OpenAI's annotations use); a markdown
 * link's span is the whole `[label](url)`, a bare URL's the URL. Links to anything else are not cited: the
 * model may only cite what the search returned.
 */

export interface WebSource {
  type: 'url';
  url: string;
  title: string;
}

export interface UrlCitation {
  url: string;
  title: string;
  start_index: number;
  end_index: number;
}

// [label](url) or [label](<url>), with an optional "title"; labels may hold one level of brackets (`[[1]](u)`),
// URLs one level of parentheses (`/wiki/Foo_(bar)`).
const MD_LINK = /\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\(\s*(?:<([^<>\n]+)>|((?:[^()\s]|\([^()\s]*\))+))(?:\s+(?:"[^"\n]*"|'[^'\n]*'))?\s*\)/g;
const BARE_URL = /https?:\/\/[^\s<>"'`\[\]{}|\\^]+/g;

export function findCitations(answerText: string, sources: readonly { url: string; title: string }[]): UrlCitation[] {
  if (!sources.length || !answerText.includes('http')) return [];
  const known = new Map<string, { url: string; title: string }>();
  for (const s of sources) {
    const k = urlKey(s.url);
    if (k && !known.has(k)) known.set(k, s);
  }
  const out: UrlCitation[] = [];
  const taken: [number, number][] = [];
  for (const m of answerText.matchAll(MD_LINK)) {
    const start = m.index;
    const end = start + m[0].length;
    taken.push([start, end]);
    const src = known.get(urlKey(m[2] ?? m[3]) ?? '');
    if (src) out.push({ url: src.url, title: src.title, start_index: start, end_index: end });
  }
  for (const m of answerText.matchAll(BARE_URL)) {
    const start = m.index;
    if (taken.some(([s, e]) => start >= s && start < e)) continue;
    const raw = trimTrailing(m[0]);
    const src = known.get(urlKey(raw) ?? '');
    if (src) out.push({ url: src.url, title: src.title, start_index: start, end_index: start + raw.length });
  }
  return out.sort((a, b) => a.start_index - b.start_index);
}

/**
 * Punctuation that ends a sentence rather than the URL: `see https://a.com/x.` or `(https://a.com/x)`.
 * A closing parenthesis stays when the URL opened one (`/wiki/Foo_(bar)`).
 */
function trimTrailing(url: string): string {
  let u = url;
  for (;;) {
    const last = u[u.length - 1];
    if ('.,;:!?*_~'.includes(last)) u = u.slice(0, -1);
    else if (last === ')' && count(u, '(') < count(u, ')')) u = u.slice(0, -1);
    else return u;
  }
}

function count(s: string, ch: string): number {
  let n = 0;
  for (const c of s) if (c === ch) n++;
  return n;
}

/**
 * What makes two URLs the same source: scheme and host as URL parsing gives them (lower case, default port
 * dropped), path without a trailing slash, the query, no fragment. Null for something that is not a URL.
 */
function urlKey(raw: string | undefined): string | null {
  if (!raw) return null;
  try {
    const u = new URL(raw.trim());
    u.hash = '';
    const path = u.pathname.length > 1 ? u.pathname.replace(/\/+$/, '') : '';
    return `${u.protocol}//${u.host}${path}${u.search}`;
  } catch {
    return null;
  }
}
