/** The Containers API's request bodies, checked field by field (OpenAI's envelope, `param` at the field). */
import { ApiError, invalidRequest } from '../api/errors.js';

export const MEMORY_LIMITS = ['1g', '4g', '16g', '64g'] as const;
export type MemoryLimit = (typeof MEMORY_LIMITS)[number];

export interface CreateContainerParams {
  name: string;
  /** `expires_after.minutes` (anchor `last_active_at`), when given. */
  minutes?: number;
  file_ids: string[];
  memory_limit?: MemoryLimit;
}

/** Longest idle time a container may ask for: a week. */
export const MAX_IDLE_MINUTES = 7 * 24 * 60;
const MAX_FILE_IDS = 100;
const KEYS = new Set(['name', 'expires_after', 'file_ids', 'memory_limit', 'network_policy', 'skills']);

export function parseCreateContainer(body: unknown): CreateContainerParams {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('The request body must be a JSON object.', null, 'invalid_type');
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!KEYS.has(key)) throw invalidRequest(`Unrecognized request argument supplied: ${key}`, key, 'unknown_parameter');
  }
  if (typeof b.name !== 'string') {
    throw b.name === undefined
      ? invalidRequest("Missing required parameter: 'name'.", 'name', 'missing_required_parameter')
      : invalidRequest("Invalid 'name': expected a string.", 'name', 'invalid_type');
  }
  if (b.name.length > 256) throw invalidRequest("Invalid 'name': at most 256 characters.", 'name', 'string_above_max_length');
  const out: CreateContainerParams = { name: b.name, file_ids: parseFileIds(b.file_ids, 'file_ids') };
  if (b.expires_after !== undefined) out.minutes = parseExpiresAfter(b.expires_after);
  if (b.memory_limit !== undefined && b.memory_limit !== null) out.memory_limit = parseMemoryLimit(b.memory_limit, 'memory_limit');
  checkNetworkPolicy(b.network_policy, 'network_policy');
  if (b.skills !== undefined && !(Array.isArray(b.skills) && b.skills.length === 0)) {
    throw new ApiError(400, 'Skills are not supported by this server\'s containers.', { param: 'skills', code: 'unsupported_parameter' });
  }
  return out;
}

export function parseFileIds(v: unknown, param: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || !x)) throw invalidRequest(`Invalid '${param}': expected an array of file ids.`, param, 'invalid_type');
  if (v.length > MAX_FILE_IDS) throw invalidRequest(`Invalid '${param}': at most ${MAX_FILE_IDS} files.`, param, 'array_above_max_length');
  return [...new Set(v as string[])];
}

export function parseMemoryLimit(v: unknown, param: string): MemoryLimit {
  if (!(MEMORY_LIMITS as readonly unknown[]).includes(v)) {
    throw invalidRequest(`Invalid '${param}': expected one of ${MEMORY_LIMITS.join(', ')}, got '${String(v)}'.`, param, 'invalid_value');
  }
  return v as MemoryLimit;
}

/** There is no network in the sandbox: `disabled` is what it is; an allow-list cannot be honoured. */
export function checkNetworkPolicy(v: unknown, param: string): void {
  if (v === undefined || v === null) return;
  const type = (v as { type?: unknown })?.type;
  if (type === 'disabled') return;
  if (type === 'allowlist') {
    throw new ApiError(400, 'The code interpreter here has no network access; an allow-list network policy cannot be honoured.', { param: `${param}.type`, code: 'unsupported_parameter' });
  }
  throw invalidRequest(`Invalid '${param}.type': expected 'disabled' or 'allowlist'.`, `${param}.type`, 'invalid_value');
}

function parseExpiresAfter(v: unknown): number {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw invalidRequest("Invalid 'expires_after': expected an object.", 'expires_after', 'invalid_type');
  const e = v as Record<string, unknown>;
  if (e.anchor !== 'last_active_at') {
    throw invalidRequest(`Invalid 'expires_after.anchor': expected 'last_active_at', got '${String(e.anchor ?? '')}'.`, 'expires_after.anchor', 'invalid_value');
  }
  const m = e.minutes;
  if (typeof m !== 'number' || !Number.isInteger(m) || m < 1 || m > MAX_IDLE_MINUTES) {
    throw invalidRequest(`Invalid 'expires_after.minutes': expected an integer from 1 to ${MAX_IDLE_MINUTES}.`, 'expires_after.minutes', 'invalid_value');
  }
  return m;
}
