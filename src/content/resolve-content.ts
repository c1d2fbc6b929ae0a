/**
 * Turns references in input content into bytes a provider can send: every `file_id` (ours) becomes a data
 * URL, and — for providers that cannot fetch URLs themselves — http(s) image / file URLs are fetched through
 * the SafeFetcher and inlined too. Runs on every request, so a first pass only looks; a history with nothing
 * to resolve is returned as is (the same array), and only the items that change are copied. The input is
 * never mutated: the stored items keep their file_id / URL.
 */
import { ApiError } from '../api/errors.js';
import type { ContentPart, InputFilePart, InputImagePart, Item } from '../api/items.js';
import type { FileService } from '../files/file-service.js';
import { MEMO_MIN_ITEMS, PrefixMemo } from '../engine/prefix-memo.js';
import type { RequestContext } from '../store/request-context.js';
import type { SafeFetcher } from './safe-fetch.js';

export interface ResolveContentOptions {
  files: Pick<FileService, 'readContent'>;
  ctx: RequestContext;
  fetcher: Pick<SafeFetcher, 'fetch'>;
  /** Which remote URLs to fetch and inline (false: the provider gets the URL unchanged). */
  fetchRemote: { image: boolean; file: boolean };
  /**
   * Leave a `file_id` we do not know as it is instead of failing (for an upstream with its own Files API,
   * e.g. OpenAI, whose ids the client may be using directly). Default false: 400 `file_not_found`.
   */
  keepUnknownFileIds?: boolean;
}

interface Source { data: Buffer; mime: string; filename: string }

/** Fetches and file reads at once, per request. */
const CONCURRENCY = 4;

export async function resolveContent(items: Item[], opts: ResolveContentOptions): Promise<Item[]> {
  // Pass 1: what needs resolving (keys like `file:<id>`, `url:<href>`), with no allocation when nothing does.
  let needed: Map<string, () => Promise<Source | null>> | null = null;
  const { plain, plainInputs } = plainMemos(opts.fetchRemote);
  for (let i = plainInputs.get(items)?.common ?? 0; i < items.length; i++) {
    const item = items[i];
    if (plain.has(item)) continue;
    let refers = false;
    for (const part of partsOf(item)) {
      const key = keyFor(part, opts.fetchRemote);
      if (key === null) continue;
      refers = true;
      needed ??= new Map();
      if (!needed.has(key)) needed.set(key, loader(key, part, opts));
    }
    if (!refers) plain.add(item);
  }
  if (!needed) {
    if (items.length >= MEMO_MIN_ITEMS) plainInputs.set(items, true);
    return items;
  }

  const sources = new Map<string, Source | null>();
  const jobs = [...needed];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const [key, load] = jobs[next++];
      sources.set(key, await load());
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, jobs.length) }, worker));

  // Pass 2: copy the items that hold a resolved part; share the rest.
  return items.map((item) => {
    if (!partsOf(item).some((p) => keyFor(p, opts.fetchRemote) !== null)) return item;
    const swap = (parts: ContentPart[]) => parts.map((p) => {
      const key = keyFor(p, opts.fetchRemote);
      const src = key === null ? null : sources.get(key);
      return src ? inline(p as InputImagePart | InputFilePart, src) : p;
    });
    const copy: Record<string, unknown> = { ...item };
    if (Array.isArray(item.content)) copy.content = swap(item.content as ContentPart[]);
    if (Array.isArray(item.output)) copy.output = swap(item.output as ContentPart[]);
    return copy as Item;
  });
}

/** Content parts of messages and of tool outputs given as content arrays. */
/**
 * Items already seen to hold nothing to resolve, per fetch setting: one by one, and whole inputs (the next
 * turn's input starts with them). Stored history items are shared objects (the store's history cache), so a
 * long conversation is scanned once, not on every turn.
 */
const PLAIN = new Map<string, { plain: WeakSet<Item>; plainInputs: PrefixMemo<true> }>();

function plainMemos(remote: { image: boolean; file: boolean }) {
  const key = `${remote.image}/${remote.file}`;
  let memos = PLAIN.get(key);
  if (!memos) PLAIN.set(key, (memos = { plain: new WeakSet(), plainInputs: new PrefixMemo() }));
  return memos;
}

function partsOf(item: Item): ContentPart[] {
  const c = item.content;
  const o = item.output;
  if (Array.isArray(c)) return Array.isArray(o) ? [...c, ...o] : (c as ContentPart[]);
  return Array.isArray(o) ? (o as ContentPart[]) : NONE;
}
const NONE: ContentPart[] = [];

function keyFor(part: ContentPart, remote: { image: boolean; file: boolean }): string | null {
  if (!part || typeof part !== 'object') return null;
  if (part.type === 'input_image') {
    if (part.file_id) return `file:${part.file_id}`;
    if (remote.image && isHttpUrl(part.image_url)) return `url:${part.image_url}`;
    return null;
  }
  if (part.type === 'input_file') {
    if (part.file_data) return null; // already inline
    if (part.file_id) return `file:${part.file_id}`;
    if (remote.file && isHttpUrl(part.file_url)) return `url:${part.file_url}`;
  }
  return null;
}

function isHttpUrl(v: unknown): v is string {
  return typeof v === 'string' && /^https?:\/\//i.test(v);
}

function loader(key: string, part: ContentPart, opts: ResolveContentOptions): () => Promise<Source | null> {
  const where = part.type === 'input_image' ? 'input_image' : 'input_file';
  if (key.startsWith('file:')) {
    const id = key.slice(5);
    return async () => {
      const found = await opts.files.readContent(opts.ctx, id);
      if (!found && opts.keepUnknownFileIds) return null;
      if (!found) throw new ApiError(400, `No file with id '${id}' was found (${where}.file_id).`, { param: 'input', code: 'file_not_found' });
      return { data: found.data, mime: mediaType(found.contentType, found.data, found.file.filename), filename: found.file.filename };
    };
  }
  const url = key.slice(4);
  return async () => {
    try {
      const got = await opts.fetcher.fetch(url);
      const filename = filenameFromUrl(got.url);
      return { data: got.bytes, mime: mediaType(got.contentType, got.bytes, filename), filename };
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const field = where === 'input_image' ? 'input_image.image_url' : 'input_file.file_url';
      throw new ApiError(err.status, `${field}: ${err.message}`, { param: 'input', code: err.code, headers: err.headers });
    }
  };
}

function inline(part: InputImagePart | InputFilePart, src: Source): ContentPart {
  if (part.type === 'input_image') {
    const { file_id: _f, ...rest } = part;
    return { ...rest, image_url: dataUrl(src) };
  }
  const { file_id: _f, file_url: _u, ...rest } = part;
  return { ...rest, file_data: dataUrl(src), filename: part.filename || src.filename };
}

function dataUrl(src: Source): string {
  return `data:${src.mime};base64,${src.data.toString('base64')}`;
}

function filenameFromUrl(href: string): string {
  try {
    const last = new URL(href).pathname.split('/').filter(Boolean).pop();
    return last ? decodeURIComponent(last) : 'file';
  } catch {
    return 'file';
  }
}

const GENERIC = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/unknown']);

/** The declared type unless it is generic; then the bytes' signature; then the file name's extension. */
export function mediaType(declared: string, data: Buffer, filename: string): string {
  const d = declared.split(';')[0].trim().toLowerCase();
  if (!GENERIC.has(d)) return d;
  return sniff(data) ?? byExtension(filename) ?? 'application/octet-stream';
}

function sniff(b: Buffer): string | null {
  const starts = (sig: number[], at = 0) => sig.every((x, i) => b[at + i] === x);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (starts([0x47, 0x49, 0x46, 0x38])) return 'image/gif';
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp';
  if (starts([0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf';
  return null;
}

const EXTENSIONS: Record<string, string> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', pdf: 'application/pdf',
  txt: 'text/plain', md: 'text/markdown', csv: 'text/csv', json: 'application/json', jsonl: 'application/jsonl',
  html: 'text/html', xml: 'application/xml',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

function byExtension(filename: string): string | null {
  const dot = filename.lastIndexOf('.');
  const ext = filename.slice(dot + 1).toLowerCase();
  // Own keys only: a client's file may well be named `x.constructor`.
  return dot >= 0 && Object.hasOwn(EXTENSIONS, ext) ? EXTENSIONS[ext] : null;
}
