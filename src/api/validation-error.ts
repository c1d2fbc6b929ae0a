/**
 * Turns zod issues from the request validator into one OpenAI-style 400.
 *
 * Contract: `param` is the path of the first problem in the body's own key order, formatted like
 * `input[2].content[0].type`; `message` lists every problem (capped), so a client fixes them all in one go.
 * Codes: `unknown_parameter`, `missing_required_parameter`, `invalid_type` (wrong JSON type),
 * `invalid_value` (right type, out of range / not an allowed value / bad format).
 *
 * Zod collapses a plain `z.union` failure into one issue that holds every branch's issues; `resolveUnion`
 * picks the branch whose JSON type matched the input, so a bad element deep inside `content: string | part[]`
 * is reported at its own path, not at `content`.
 */
import type { z } from 'zod';
import { ApiError } from './errors.js';

type Path = (string | number)[];
type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

/** Detail text the error map gives a required field that is absent; the formatter words it as "Missing …". */
export const MISSING = 'missing required parameter';

const MAX_LISTED = 20;

export interface Problem {
  path: Path;
  code: 'unknown_parameter' | 'missing_required_parameter' | 'invalid_type' | 'invalid_value';
  text: string;
}

/**
 * The zod error map used for every parse: detail text without the path (the path is only complete once
 * the issue has bubbled up). Schema-level custom messages win over it.
 */
export const describeIssue: z.core.$ZodErrorMap = (iss: RawIssue) => {
  const input = iss.input;
  switch (iss.code) {
    case 'invalid_type':
      if (input === undefined) return MISSING;
      return `expected ${typeWord(iss.expected)}, got ${describeValue(input)}`;
    case 'invalid_value':
      return `${expectOneOf(iss.values)}, got ${describeValue(input)}`;
    case 'too_small':
    case 'too_big':
      return rangeDetail(iss as RangeIssue);
    case 'invalid_format':
      return iss.format === 'regex' && 'pattern' in iss
        ? `expected a string matching ${String(iss.pattern)}, got ${describeValue(input)}`
        : `expected a ${iss.format} string, got ${describeValue(input)}`;
    case 'invalid_union': {
      if (!('discriminator' in iss) || typeof iss.discriminator !== 'string') return 'does not match any allowed shape';
      const tag = isRecord(input) ? input[iss.discriminator] : undefined;
      if (tag === undefined) return MISSING;
      const options = 'options' in iss && Array.isArray(iss.options) ? iss.options : [];
      return `${expectOneOf(options.filter((o): o is string => typeof o === 'string'))}, got ${describeValue(tag)}`;
    }
    case 'invalid_key':
      return `invalid key ${describeValue(input)}`;
    default:
      return undefined;
  }
};

/** Builds the 400 for a failed parse. `extra` are problems found outside zod (cross-field rules). */
export function toValidationError(issues: readonly Issue[], body: unknown, extra: Problem[] = []): ApiError {
  const problems: Problem[] = [...extra];
  for (const issue of issues) collect(issue, [], body, problems);
  problems.sort((a, b) => compareInDocumentOrder(body, a.path, b.path));
  const first = problems[0];
  const listed = problems.slice(0, MAX_LISTED).map((p) => p.text);
  if (problems.length > MAX_LISTED) listed.push(`(${problems.length - MAX_LISTED} more problems not shown.)`);
  return new ApiError(400, listed.join(' '), {
    type: 'invalid_request_error',
    param: first && first.path.length ? formatPath(first.path) : null,
    code: first?.code ?? 'invalid_value',
  });
}

/** `['input', 2, 'content', 0, 'type']` → `input[2].content[0].type`. */
export function formatPath(path: readonly (string | number | symbol)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

export function problem(path: Path, code: Problem['code'], detail: string): Problem {
  return { path, code, text: wording(path, code, detail) };
}

function collect(issue: Issue, prefix: Path, body: unknown, out: Problem[]): void {
  const path = [...prefix, ...(issue.path as Path)];
  if (issue.code === 'unrecognized_keys') {
    for (const key of issue.keys) out.push(problem([...path, key], 'unknown_parameter', ''));
    return;
  }
  if (issue.code === 'invalid_union' && !('note' in issue && issue.note) && issue.errors.length) {
    resolveUnion(issue.errors, path, body, out);
    return;
  }
  if (issue.message === MISSING) {
    out.push(problem(path, 'missing_required_parameter', ''));
    return;
  }
  const code = issue.code === 'invalid_type' ? 'invalid_type' : 'invalid_value';
  out.push(problem(path, code, issue.message));
}

/**
 * A branch whose root issue says "wrong JSON type" did not match; of the rest, the first is the one the
 * client meant. When no branch matched the type, the union itself is the problem.
 */
function resolveUnion(branches: Issue[][], path: Path, body: unknown, out: Problem[]): void {
  const value = valueAt(body, path);
  const expected: string[] = [];
  for (const branch of branches) {
    const mismatch = branch.find((i) => i.path.length === 0 && isTypeMismatch(i, value));
    if (!mismatch) {
      for (const inner of branch) collect(inner, path, body, out);
      return;
    }
    const word = mismatch.code === 'invalid_type' ? typeWord(mismatch.expected) : typeof (mismatch as { values?: unknown[] }).values?.[0];
    if (!expected.includes(word)) expected.push(word);
  }
  if (value === undefined) out.push(problem(path, 'missing_required_parameter', ''));
  else out.push(problem(path, 'invalid_type', `expected ${expected.join(' or ')}, got ${describeValue(value)}`));
}

function isTypeMismatch(issue: Issue, value: unknown): boolean {
  if (issue.code === 'invalid_type') return true;
  if (issue.code === 'invalid_value') return issue.values.every((v) => typeof v !== typeof value);
  return false;
}

function wording(path: Path, code: Problem['code'], detail: string): string {
  const where = formatPath(path);
  if (code === 'unknown_parameter') return `Unknown parameter: '${where}'.`;
  if (code === 'missing_required_parameter') return `Missing required parameter: '${where}'.`;
  return where ? `Invalid '${where}': ${detail}.` : `Invalid request body: ${detail}.`;
}

/** Orders problems as they appear in the body; a key the body does not have (a missing field) sorts last among its siblings. */
function compareInDocumentOrder(body: unknown, a: Path, b: Path): number {
  let node: unknown = body;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) {
      node = isRecord(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[a[i]] : undefined;
      continue;
    }
    const ra = rank(node, a[i]);
    const rb = rank(node, b[i]);
    return ra === rb ? 0 : ra < rb ? -1 : 1;
  }
  return a.length - b.length;
}

function rank(node: unknown, key: string | number): number {
  if (typeof key === 'number') return key;
  if (!isRecord(node)) return Number.POSITIVE_INFINITY;
  const idx = Object.keys(node).indexOf(key);
  return idx < 0 ? Number.POSITIVE_INFINITY : idx;
}

function valueAt(body: unknown, path: Path): unknown {
  let node: unknown = body;
  for (const seg of path) {
    if (!isRecord(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string | number, unknown>)[seg];
  }
  return node;
}

type RangeIssue = {
  code: 'too_small' | 'too_big';
  origin: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  input?: unknown;
};

function rangeDetail(iss: RangeIssue): string {
  const small = iss.code === 'too_small';
  const limit = Number(small ? iss.minimum : iss.maximum);
  const got = describeValue(iss.input);
  switch (iss.origin) {
    case 'string':
      return `expected ${small ? 'at least' : 'at most'} ${limit} character${limit === 1 ? '' : 's'}, got ${lengthOf(iss.input)}`;
    case 'array':
      return `expected ${small ? 'at least' : 'at most'} ${limit} item${limit === 1 ? '' : 's'}, got ${lengthOf(iss.input)}`;
    case 'object':
    case 'record':
      return `expected ${small ? 'at least' : 'at most'} ${limit} key${limit === 1 ? '' : 's'}`;
    default: {
      const op = small ? (iss.inclusive === false ? '>' : '>=') : iss.inclusive === false ? '<' : '<=';
      return `expected a number ${op} ${limit}, got ${got}`;
    }
  }
}

function lengthOf(v: unknown): number | string {
  return typeof v === 'string' || Array.isArray(v) ? v.length : '?';
}

function expectOneOf(values: readonly unknown[]): string {
  const words = values.map((v) => String(v));
  return words.length === 1 ? `expected ${words[0]}` : `expected one of ${words.join(', ')}`;
}

function typeWord(expected: string): string {
  if (expected === 'int') return 'integer';
  if (expected === 'nonoptional') return 'a value';
  if (expected === 'record') return 'object';
  return expected;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return typeof v;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
