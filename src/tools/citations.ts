/**
 * Annotations for an answer's text: the sources the response's tools returned, where the text cites them.
 * Models are asked (in the tool results) to cite web pages as markdown links and files by name; a function-
 * calling model has no citation channel of its own, so the citations are found in the text. Indices are the
 * UTF-16 offsets JavaScript strings use, as OpenAI's annotations are.
 *
 * - url_citation: a markdown link `[title](url)` to a source (the whole link), or the source's bare URL
 *   (matched by web-search/citations.ts: a trailing slash, fragment or host case do not matter).
 * - file_citation: a mention of a searched file's name (`index` = just after the mention).
 * - container_file_citation: a link or mention of a file the code wrote (`sandbox:/mnt/data/x`, its path or name).
 */
import type { CitationSource } from './types.js';
import { findCitations as findUrlCitations } from './web-search/citations.js';

const MD_LINK = /\[([^\]\n]*)\]\(([^)\s]+)\)/g;

export function findCitations(text: string, sources: CitationSource[]): Record<string, unknown>[] {
  const found: { start: number; annotation: Record<string, unknown> }[] = [];
  const taken: [number, number][] = [];
  const overlaps = (s: number, e: number) => taken.some(([a, b]) => s < b && e > a);

  const urls = new Map<string, Extract<CitationSource, { kind: 'url' }>>();
  const containerFiles: Extract<CitationSource, { kind: 'container_file' }>[] = [];
  const files = new Map<string, Extract<CitationSource, { kind: 'file' }>>();
  for (const s of sources) {
    if (s.kind === 'url') urls.set(normalUrl(s.url), s);
    else if (s.kind === 'container_file') containerFiles.push(s);
    else if (!files.has(s.filename)) files.set(s.filename, s);
  }

  // Web pages: markdown links and bare URLs of the sources (web-search/citations.ts matches URLs loosely).
  for (const c of findUrlCitations(text, [...urls.values()])) {
    if (overlaps(c.start_index, c.end_index)) continue;
    found.push({ start: c.start_index, annotation: { type: 'url_citation', url: c.url, title: c.title, start_index: c.start_index, end_index: c.end_index } });
    taken.push([c.start_index, c.end_index]);
  }
  for (const m of text.matchAll(MD_LINK)) {
    const start = m.index!;
    const end = start + m[0].length;
    if (overlaps(start, end)) continue;
    const target = m[2];
    const cf = containerFiles.find((f) => target === `sandbox:${f.path}` || target === f.path || target.endsWith(`/${f.filename}`));
    if (cf) {
      found.push({ start, annotation: containerCitation(cf, start, end) });
      taken.push([start, end]);
    }
  }
  for (const cf of containerFiles) {
    for (const needle of [`sandbox:${cf.path}`, cf.path, cf.filename]) {
      for (const at of occurrences(text, needle)) {
        const end = at + needle.length;
        if (overlaps(at, end)) continue;
        found.push({ start: at, annotation: containerCitation(cf, at, end) });
        taken.push([at, end]);
      }
    }
  }
  for (const [name, f] of files) {
    for (const at of occurrences(text, name)) {
      const end = at + name.length;
      if (overlaps(at, end)) continue;
      found.push({ start: at, annotation: { type: 'file_citation', file_id: f.file_id, filename: f.filename, index: end } });
      taken.push([at, end]);
    }
  }
  return found.sort((a, b) => a.start - b.start).map((f) => f.annotation);
}

function containerCitation(f: Extract<CitationSource, { kind: 'container_file' }>, start: number, end: number) {
  return { type: 'container_file_citation', container_id: f.container_id, file_id: f.file_id, filename: f.filename, start_index: start, end_index: end };
}

function normalUrl(u: string): string {
  return u.replace(/\/+$/, '');
}

function occurrences(text: string, needle: string): number[] {
  const out: number[] = [];
  if (!needle) return out;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) out.push(at);
  return out;
}
