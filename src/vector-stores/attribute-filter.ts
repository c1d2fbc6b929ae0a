/**
 * Attribute `filters` of a search (OpenAI's ComparisonFilter / CompoundFilter), checked once at the edge and
 * then evaluated against each file's `attributes`.
 *
 * A comparison with a missing attribute is false, except `ne` and `nin` (the attribute is not that value).
 * `gt`/`gte`/`lt`/`lte` compare numbers with numbers and strings with strings (lexicographically, so ISO dates
 * work); a pair of other types is false. `eq`/`ne` compare values of the same type only (no "1" == 1).
 */
import { invalidRequest } from '../api/errors.js';

export type AttributeValue = string | number | boolean;
export type Attributes = Record<string, AttributeValue>;

export const COMPARISON_TYPES = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin'] as const;
export type ComparisonType = (typeof COMPARISON_TYPES)[number];

export interface ComparisonFilter { type: ComparisonType; key: string; value: AttributeValue | (string | number)[] }
export interface CompoundFilter { type: 'and' | 'or'; filters: AttributeFilter[] }
export type AttributeFilter = ComparisonFilter | CompoundFilter;

const MAX_DEPTH = 10;

/** Validates `raw`; a mistake is a 400 whose `param` is the path under `param` (`filters.filters[1].type`). */
export function parseFilter(raw: unknown, param = 'filters', depth = 0): AttributeFilter {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalidRequest(`Invalid '${param}': expected an object.`, param, 'invalid_type');
  const f = raw as Record<string, unknown>;
  if (f.type === 'and' || f.type === 'or') {
    if (depth >= MAX_DEPTH) throw invalidRequest(`Invalid '${param}': filters nest at most ${MAX_DEPTH} levels.`, param, 'invalid_value');
    if (!Array.isArray(f.filters)) throw invalidRequest(`Invalid '${param}.filters': expected an array of filters.`, `${param}.filters`, 'invalid_type');
    extraKeys(f, ['type', 'filters'], param);
    return { type: f.type, filters: f.filters.map((x, i) => parseFilter(x, `${param}.filters[${i}]`, depth + 1)) };
  }
  if (!(COMPARISON_TYPES as readonly unknown[]).includes(f.type)) {
    throw invalidRequest(
      `Invalid '${param}.type': expected one of ${[...COMPARISON_TYPES, 'and', 'or'].join(', ')}, got ${JSON.stringify(f.type)}.`,
      `${param}.type`, 'invalid_value',
    );
  }
  const type = f.type as ComparisonType;
  extraKeys(f, ['type', 'key', 'value'], param);
  if (typeof f.key !== 'string' || !f.key) throw invalidRequest(`Invalid '${param}.key': expected a non-empty string.`, `${param}.key`, 'invalid_type');
  const v = f.value;
  if (type === 'in' || type === 'nin') {
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x)))) {
      throw invalidRequest(`Invalid '${param}.value': '${type}' takes an array of strings or numbers.`, `${param}.value`, 'invalid_type');
    }
    return { type, key: f.key, value: v as (string | number)[] };
  }
  if (!(typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))) {
    throw invalidRequest(`Invalid '${param}.value': '${type}' takes a string, number or boolean.`, `${param}.value`, 'invalid_type');
  }
  return { type, key: f.key, value: v };
}

function extraKeys(f: Record<string, unknown>, allowed: string[], param: string) {
  for (const k of Object.keys(f)) {
    if (!allowed.includes(k)) throw invalidRequest(`Unknown parameter: '${param}.${k}'.`, `${param}.${k}`, 'unknown_parameter');
  }
}

export function matchesFilter(filter: AttributeFilter, attrs: Attributes | null): boolean {
  if (filter.type === 'and') return filter.filters.every((f) => matchesFilter(f, attrs));
  if (filter.type === 'or') return filter.filters.some((f) => matchesFilter(f, attrs));
  return compare(filter as ComparisonFilter, attrs);
}

function compare(filter: ComparisonFilter, attrs: Attributes | null): boolean {
  const has = attrs !== null && Object.prototype.hasOwnProperty.call(attrs, filter.key);
  const a = has ? attrs![filter.key] : undefined;
  const v = filter.value;
  switch (filter.type) {
    case 'eq': return has && a === v;
    case 'ne': return !has || a !== v;
    case 'in': return has && (v as unknown[]).includes(a);
    case 'nin': return !has || !(v as unknown[]).includes(a);
    default: {
      if (!has || typeof a !== typeof v || (typeof a !== 'number' && typeof a !== 'string')) return false;
      const x = a as number | string;
      const y = v as number | string;
      return filter.type === 'gt' ? x > y : filter.type === 'gte' ? x >= y : filter.type === 'lt' ? x < y : x <= y;
    }
  }
}
