/**
 * zod issues → one ConfigError message, each problem as `path: what is expected, got what was found`
 * (`providers[0].drop_unsupported: expected true or false, got "yes"`). A value that came from the
 * environment is named by its variable instead of its path (`SWITCHBOARD_PORT: …`).
 */
import type { z } from 'zod';

export function formatConfigIssues(issues: readonly z.core.$ZodIssue[], names: ReadonlyMap<string, string> = new Map()): string {
  const lines: string[] = [];
  for (const iss of issues) {
    const path = settingPath(iss.path);
    if (iss.code === 'unrecognized_keys') {
      const where = path ? `'${path}'` : 'the top level';
      for (const key of iss.keys) lines.push(`${path ? `${path}.${key}` : key}: unknown setting (${where} ${iss.message})`);
      continue;
    }
    const input = (iss as { input?: unknown }).input;
    lines.push(`${names.get(path) ?? (path || 'the file')}: ${iss.message}, ${input === undefined ? 'but it is missing' : `got ${describe(input)}`}`);
  }
  return lines.join('; ');
}

/** `['providers', 0, 'base_url']` → `providers[0].base_url`. */
export function settingPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

function describe(v: unknown): string {
  if (v === null) return 'nothing (null)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);
  return String(v);
}
