/**
 * The request bodies of the Vector Stores API, checked as OpenAI checks them: every mistake is a 400 whose
 * `param` names the field (`chunking_strategy.static.chunk_overlap_tokens`, `files[2].file_id`), before
 * anything is stored. Unknown top-level fields are refused, as on `/v1/responses`.
 */
import { invalidRequest } from '../api/errors.js';
import { parseFilter, type AttributeFilter, type Attributes } from './attribute-filter.js';

export interface ChunkingStrategy { max_chunk_size_tokens: number; chunk_overlap_tokens: number }

export const DEFAULT_CHUNKING: ChunkingStrategy = { max_chunk_size_tokens: 800, chunk_overlap_tokens: 400 };
export const MIN_CHUNK_TOKENS = 100;
export const MAX_CHUNK_TOKENS = 4096;
const MAX_BATCH_FILES = 2000;
const MAX_QUERY_CHARS = 4096;

export interface CreateStoreParams {
  name: string;
  file_ids: string[];
  metadata: Record<string, string> | null;
  expires_after_days: number | null;
  chunking: ChunkingStrategy;
}
export interface UpdateStoreParams {
  name?: string;
  metadata?: Record<string, string> | null;
  expires_after_days?: number | null;
}
export interface AttachParams {
  file_id: string;
  attributes: Attributes | null;
  chunking: ChunkingStrategy;
  /** Where the file id was in the request (for a 404 naming it). */
  param?: string;
}
export interface SearchParams {
  queries: string[];
  filters: AttributeFilter | null;
  max_num_results: number;
  score_threshold: number;
  rewrite_query: boolean;
}

type Obj = Record<string, unknown>;

export function objectBody(raw: unknown): Obj {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalidRequest('The request body must be a JSON object.', null, 'invalid_type');
  return raw as Obj;
}

function only(body: Obj, allowed: readonly string[], prefix = '') {
  for (const k of Object.keys(body)) {
    if (!allowed.includes(k)) throw invalidRequest(`Unknown parameter: '${prefix}${k}'.`, `${prefix}${k}`, 'unknown_parameter');
  }
}

function fileId(v: unknown, param: string): string {
  if (typeof v !== 'string' || !v) throw invalidRequest(`Invalid '${param}': expected a file id.`, param, v === undefined ? 'missing_required_parameter' : 'invalid_type');
  if (v.length > 256) throw invalidRequest(`Invalid '${param}': too long.`, param, 'invalid_value');
  return v;
}

function int(v: unknown, param: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalidRequest(`Invalid '${param}': expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}.`, param, v === undefined ? 'missing_required_parameter' : 'invalid_value');
  }
  return v;
}

export function parseChunking(raw: unknown, param = 'chunking_strategy'): ChunkingStrategy {
  if (raw === undefined || raw === null) return DEFAULT_CHUNKING;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalidRequest(`Invalid '${param}': expected an object.`, param, 'invalid_type');
  const c = raw as Obj;
  if (c.type === 'auto') {
    only(c, ['type'], `${param}.`);
    return DEFAULT_CHUNKING;
  }
  if (c.type !== 'static') throw invalidRequest(`Invalid '${param}.type': expected 'auto' or 'static', got ${JSON.stringify(c.type)}.`, `${param}.type`, 'invalid_value');
  only(c, ['type', 'static'], `${param}.`);
  const s = c.static;
  if (!s || typeof s !== 'object' || Array.isArray(s)) throw invalidRequest(`Missing required parameter: '${param}.static'.`, `${param}.static`, 'missing_required_parameter');
  only(s as Obj, ['max_chunk_size_tokens', 'chunk_overlap_tokens'], `${param}.static.`);
  const max = int((s as Obj).max_chunk_size_tokens, `${param}.static.max_chunk_size_tokens`, MIN_CHUNK_TOKENS, MAX_CHUNK_TOKENS);
  const overlap = int((s as Obj).chunk_overlap_tokens, `${param}.static.chunk_overlap_tokens`, 0, MAX_CHUNK_TOKENS);
  if (overlap > max / 2) {
    throw invalidRequest(
      `Invalid '${param}.static.chunk_overlap_tokens': it must not exceed half of max_chunk_size_tokens (${max / 2}), got ${overlap}.`,
      `${param}.static.chunk_overlap_tokens`, 'invalid_value',
    );
  }
  return { max_chunk_size_tokens: max, chunk_overlap_tokens: overlap };
}

function checkKeys(o: Obj, param: string) {
  const keys = Object.keys(o);
  if (keys.length > 16) throw invalidRequest(`Invalid '${param}': at most 16 keys, got ${keys.length}.`, param, 'invalid_value');
  for (const k of keys) if (k.length > 64) throw invalidRequest(`Invalid '${param}': keys are at most 64 characters.`, `${param}.${k.slice(0, 64)}`, 'invalid_value');
}

export function parseAttributes(raw: unknown, param = 'attributes'): Attributes | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalidRequest(`Invalid '${param}': expected an object.`, param, 'invalid_type');
  const o = raw as Obj;
  checkKeys(o, param);
  for (const [k, v] of Object.entries(o)) {
    const ok = (typeof v === 'string' && v.length <= 512) || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
    if (!ok) throw invalidRequest(`Invalid '${param}.${k}': expected a string of at most 512 characters, a number or a boolean.`, `${param}.${k}`, 'invalid_value');
  }
  return o as Attributes;
}

export function parseMetadata(raw: unknown, param = 'metadata'): Record<string, string> | null {
  if (raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalidRequest(`Invalid '${param}': expected an object.`, param, 'invalid_type');
  const o = raw as Obj;
  checkKeys(o, param);
  for (const [k, v] of Object.entries(o)) {
    if (typeof v !== 'string' || v.length > 512) throw invalidRequest(`Invalid '${param}.${k}': expected a string of at most 512 characters.`, `${param}.${k}`, 'invalid_value');
  }
  return o as Record<string, string>;
}

function parseExpiresAfter(raw: unknown, param = 'expires_after'): number | null {
  if (raw === null) return null;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalidRequest(`Invalid '${param}': expected an object.`, param, 'invalid_type');
  const e = raw as Obj;
  only(e, ['anchor', 'days'], `${param}.`);
  if (e.anchor !== 'last_active_at') throw invalidRequest(`Invalid '${param}.anchor': expected 'last_active_at'.`, `${param}.anchor`, 'invalid_value');
  return int(e.days, `${param}.days`, 1, 365);
}

function parseName(raw: unknown): string {
  if (typeof raw !== 'string') throw invalidRequest("Invalid 'name': expected a string.", 'name', 'invalid_type');
  if (raw.length > 256) throw invalidRequest("Invalid 'name': at most 256 characters.", 'name', 'invalid_value');
  return raw;
}

function fileIds(raw: unknown, param: string): string[] {
  if (!Array.isArray(raw)) throw invalidRequest(`Invalid '${param}': expected an array of file ids.`, param, 'invalid_type');
  if (raw.length > MAX_BATCH_FILES) throw invalidRequest(`Invalid '${param}': at most ${MAX_BATCH_FILES} files.`, param, 'invalid_value');
  return [...new Set(raw.map((v, i) => fileId(v, `${param}[${i}]`)))];
}

export function parseCreateStore(raw: unknown): CreateStoreParams {
  const b = objectBody(raw);
  only(b, ['name', 'file_ids', 'metadata', 'expires_after', 'chunking_strategy', 'description']);
  if (b.description !== undefined && typeof b.description !== 'string') throw invalidRequest("Invalid 'description': expected a string.", 'description', 'invalid_type');
  return {
    name: b.name === undefined || b.name === null ? '' : parseName(b.name),
    file_ids: b.file_ids === undefined ? [] : fileIds(b.file_ids, 'file_ids'),
    metadata: b.metadata === undefined ? null : parseMetadata(b.metadata),
    expires_after_days: b.expires_after === undefined ? null : parseExpiresAfter(b.expires_after),
    chunking: parseChunking(b.chunking_strategy),
  };
}

export function parseUpdateStore(raw: unknown): UpdateStoreParams {
  const b = objectBody(raw);
  only(b, ['name', 'metadata', 'expires_after']);
  const out: UpdateStoreParams = {};
  if (b.name !== undefined) out.name = b.name === null ? '' : parseName(b.name);
  if (b.metadata !== undefined) out.metadata = parseMetadata(b.metadata);
  if (b.expires_after !== undefined) out.expires_after_days = parseExpiresAfter(b.expires_after);
  return out;
}

export function parseAttach(raw: unknown): AttachParams {
  const b = objectBody(raw);
  only(b, ['file_id', 'attributes', 'chunking_strategy']);
  return { file_id: fileId(b.file_id, 'file_id'), attributes: parseAttributes(b.attributes), chunking: parseChunking(b.chunking_strategy) };
}

export function parseUpdateAttributes(raw: unknown): Attributes | null {
  const b = objectBody(raw);
  only(b, ['attributes']);
  if (!('attributes' in b)) throw invalidRequest("Missing required parameter: 'attributes'.", 'attributes', 'missing_required_parameter');
  return parseAttributes(b.attributes);
}

/** `file_ids` (with shared `attributes` / `chunking_strategy`) or `files[]` (each with its own), not both. */
export function parseBatch(raw: unknown): AttachParams[] {
  const b = objectBody(raw);
  only(b, ['file_ids', 'files', 'attributes', 'chunking_strategy']);
  if (b.file_ids !== undefined && b.files !== undefined) throw invalidRequest("'file_ids' and 'files' are mutually exclusive.", 'files', 'invalid_value');
  if (b.files !== undefined) {
    if (!Array.isArray(b.files)) throw invalidRequest("Invalid 'files': expected an array.", 'files', 'invalid_type');
    if (b.files.length === 0 || b.files.length > MAX_BATCH_FILES) throw invalidRequest(`Invalid 'files': expected 1 to ${MAX_BATCH_FILES} files.`, 'files', 'invalid_value');
    if (b.attributes !== undefined || b.chunking_strategy !== undefined) {
      throw invalidRequest("With 'files', give 'attributes' and 'chunking_strategy' per file.", b.attributes !== undefined ? 'attributes' : 'chunking_strategy', 'invalid_value');
    }
    const seen = new Map<string, AttachParams>();
    b.files.forEach((f, i) => {
      const p = `files[${i}]`;
      if (!f || typeof f !== 'object' || Array.isArray(f)) throw invalidRequest(`Invalid '${p}': expected an object.`, p, 'invalid_type');
      only(f as Obj, ['file_id', 'attributes', 'chunking_strategy'], `${p}.`);
      const id = fileId((f as Obj).file_id, `${p}.file_id`);
      seen.set(id, { file_id: id, param: `${p}.file_id`, attributes: parseAttributes((f as Obj).attributes, `${p}.attributes`), chunking: parseChunking((f as Obj).chunking_strategy, `${p}.chunking_strategy`) });
    });
    return [...seen.values()];
  }
  if (b.file_ids === undefined) throw invalidRequest("Missing required parameter: 'file_ids' (or 'files').", 'file_ids', 'missing_required_parameter');
  const ids = fileIds(b.file_ids, 'file_ids');
  if (!ids.length) throw invalidRequest("Invalid 'file_ids': expected at least one file id.", 'file_ids', 'invalid_value');
  const attributes = parseAttributes(b.attributes);
  const chunking = parseChunking(b.chunking_strategy);
  return ids.map((file_id, i) => ({ file_id, attributes, chunking, param: `file_ids[${i}]` }));
}

export const RANKERS = ['none', 'auto', 'default-2024-11-15'] as const;

export function parseSearch(raw: unknown): SearchParams {
  const b = objectBody(raw);
  only(b, ['query', 'filters', 'max_num_results', 'ranking_options', 'rewrite_query']);
  let scoreThreshold = 0;
  if (b.ranking_options !== undefined && b.ranking_options !== null) {
    const r = b.ranking_options;
    if (typeof r !== 'object' || Array.isArray(r)) throw invalidRequest("Invalid 'ranking_options': expected an object.", 'ranking_options', 'invalid_type');
    only(r as Obj, ['ranker', 'score_threshold'], 'ranking_options.');
    const ranker = (r as Obj).ranker;
    if (ranker !== undefined && !(RANKERS as readonly unknown[]).includes(ranker)) {
      throw invalidRequest(`Invalid 'ranking_options.ranker': expected one of ${RANKERS.join(', ')}.`, 'ranking_options.ranker', 'invalid_value');
    }
    const t = (r as Obj).score_threshold;
    if (t !== undefined) {
      if (typeof t !== 'number' || !(t >= 0 && t <= 1)) throw invalidRequest("Invalid 'ranking_options.score_threshold': expected a number from 0 to 1.", 'ranking_options.score_threshold', 'invalid_value');
      scoreThreshold = t;
    }
  }
  if (b.rewrite_query !== undefined && typeof b.rewrite_query !== 'boolean') throw invalidRequest("Invalid 'rewrite_query': expected a boolean.", 'rewrite_query', 'invalid_type');
  return {
    queries: parseQuery(b.query),
    filters: b.filters === undefined || b.filters === null ? null : parseFilter(b.filters, 'filters'),
    max_num_results: b.max_num_results === undefined ? 10 : int(b.max_num_results, 'max_num_results', 1, 50),
    score_threshold: scoreThreshold,
    rewrite_query: b.rewrite_query === true,
  };
}

export function parseQuery(q: unknown, param = 'query'): string[] {
  const list = typeof q === 'string' ? [q] : q;
  if (!Array.isArray(list) || list.length === 0 || list.length > 10) {
    throw invalidRequest(`Invalid '${param}': expected a string or an array of 1 to 10 strings.`, param, q === undefined ? 'missing_required_parameter' : 'invalid_type');
  }
  return list.map((s, i) => {
    const p = typeof q === 'string' ? param : `${param}[${i}]`;
    if (typeof s !== 'string' || !s.trim()) throw invalidRequest(`Invalid '${p}': expected a non-empty string.`, p, 'invalid_value');
    if (s.length > MAX_QUERY_CHARS) throw invalidRequest(`Invalid '${p}': at most ${MAX_QUERY_CHARS} characters.`, p, 'invalid_value');
    return s;
  });
}
