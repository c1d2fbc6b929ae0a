/**
 * A Files API file's bytes → the text that gets chunked. The kind is decided by the file name's extension
 * first (uploads often arrive as application/octet-stream), then by the media type. PDF goes through pdfjs
 * (its legacy build is the one that runs on Node 20); HTML through linkedom (scripts and styles dropped);
 * everything else that is text must be valid UTF-8. Anything else is `unsupported_file`.
 */
import { parseHTML } from '../tools/web-search/html-parsers.js';

export class ExtractionError extends Error {
  constructor(readonly code: 'unsupported_file' | 'invalid_file', message: string) {
    super(message);
  }
}

type Kind = 'text' | 'html' | 'pdf' | 'json';

const TEXT_EXTENSIONS = new Set([
  'txt', 'md', 'markdown', 'rst', 'csv', 'tsv', 'log', 'tex', 'xml', 'yaml', 'yml', 'toml', 'ini', 'cfg', 'conf',
  // source code
  'c', 'h', 'cc', 'cpp', 'cxx', 'hpp', 'cs', 'css', 'go', 'java', 'js', 'mjs', 'cjs', 'jsx', 'ts', 'tsx', 'kt', 'kts',
  'php', 'py', 'pyi', 'rb', 'rs', 'scala', 'sh', 'bash', 'zsh', 'sql', 'swift', 'lua', 'pl', 'r', 'dart', 'ex', 'exs',
  'erl', 'hs', 'clj', 'vue', 'svelte', 'proto', 'graphql', 'gradle', 'makefile', 'dockerfile',
]);

const TEXT_MEDIA_TYPES = new Set([
  'application/xml', 'application/x-yaml', 'application/yaml', 'application/toml', 'application/javascript',
  'application/typescript', 'application/x-sh', 'application/x-python', 'application/sql', 'application/x-tex',
]);

export function kindOf(filename: string, mediaType: string): Kind | null {
  const lower = filename.toLowerCase();
  const dot = lower.lastIndexOf('.');
  const ext = dot >= 0 ? lower.slice(dot + 1) : lower;
  if (ext === 'pdf') return 'pdf';
  if (ext === 'html' || ext === 'htm' || ext === 'xhtml') return 'html';
  if (ext === 'json' || ext === 'jsonl' || ext === 'ndjson') return 'json';
  if (TEXT_EXTENSIONS.has(ext)) return 'text';
  if (mediaType === 'application/pdf') return 'pdf';
  if (mediaType === 'text/html' || mediaType === 'application/xhtml+xml') return 'html';
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) return 'json';
  if (mediaType.startsWith('text/') || TEXT_MEDIA_TYPES.has(mediaType)) return 'text';
  return null;
}

export async function extractText(data: Buffer, filename: string, mediaType: string): Promise<string> {
  const kind = kindOf(filename, mediaType);
  if (!kind) throw new ExtractionError('unsupported_file', `Files of type '${mediaType}' (${filename}) cannot be searched.`);
  const text = kind === 'pdf' ? await pdfText(data) : kind === 'html' ? htmlText(utf8(data)) : utf8(data);
  if (!text.trim()) throw new ExtractionError('invalid_file', 'The file contains no text.');
  return text;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function utf8(data: Buffer): string {
  try {
    return decoder.decode(data).replace(/^\uFEFF/, '');
  } catch {
    throw new ExtractionError('unsupported_file', 'The file is not UTF-8 text.');
  }
}

const BLOCKS = 'p, div, li, tr, br, h1, h2, h3, h4, h5, h6, pre, blockquote, section, article, header, footer, dt, dd, table';

function htmlText(html: string): string {
  const { document } = parseHTML(html.includes('<html') ? html : `<!doctype html><html><body>${html}</body></html>`);
  for (const el of document.querySelectorAll('script, style, noscript, template, svg')) el.remove();
  // Line breaks between blocks, so paragraphs stay apart in the text the chunks are cut from.
  for (const el of document.querySelectorAll(BLOCKS)) el.append('\n');
  const root = document.body ?? document.documentElement;
  const title = document.querySelector('title')?.textContent?.trim();
  const body = (root?.textContent ?? '').replace(/[ \t\r\f\v]+/g, ' ').replace(/ *\n[ \n]*/g, '\n').trim();
  return title && !body.startsWith(title) ? `${title}\n${body}` : body;
}

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
let pdfjs: Promise<PdfJs> | null = null;

async function pdfText(data: Buffer): Promise<string> {
  pdfjs ??= import('pdfjs-dist/legacy/build/pdf.mjs');
  const lib = await pdfjs;
  let doc;
  try {
    doc = await lib.getDocument({ data: new Uint8Array(data), isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: 0 }).promise;
  } catch (err) {
    throw new ExtractionError('invalid_file', `The PDF could not be read (${err instanceof Error ? err.message : String(err)}).`);
  }
  try {
    const pages: string[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      let text = '';
      for (const item of content.items) {
        if (!('str' in item)) continue;
        text += item.str + (item.hasEOL ? '\n' : '');
      }
      pages.push(text.trim());
      page.cleanup();
    }
    return pages.filter(Boolean).join('\n\n');
  } finally {
    await doc.destroy();
  }
}
