/**
 * Configuration: an optional YAML file (`--config <path>` or SWITCHBOARD_CONFIG; `./switchboard.yaml` when it
 * exists) with environment overrides on top. Vendor env names follow each vendor's SDK, so `OPENAI_API_KEY`
 * (+ `OPENAI_BASE_URL`) alone makes `openai/*` work with no file at all.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_RETRY, type ProviderConfig, type ProviderKind } from './types.js';

export interface ApiKeyConfig { key: string; tenant: string; id: string }

export interface Config {
  host: string;
  port: number;
  /** SQLite file path (':memory:' for tests). */
  dbPath: string;
  /**
   * Where store writes commit: `auto` (a writer thread when several are queued at once, else right away on
   * the main thread), `thread` (always the writer thread) or `inline` (always the main thread).
   */
  dbWriter: 'auto' | 'thread' | 'inline';
  bodyLimitBytes: number;
  /** SSE keep-alive comment interval during upstream silence, ms. */
  keepAliveMs: number;
  /** On SIGTERM/SIGINT, how long running responses may go on before they are ended (`server_shutdown`), ms. */
  shutdownGraceMs: number;
  apiKeys: ApiKeyConfig[];
  providers: ProviderConfig[];
  /** Uploaded files (Files API): directory and per-upload limit. */
  files: { dir: string; maxUploadBytes: number };
  /** The safe fetcher for remote image/file URLs. */
  fetch: { maxBytes: number; timeoutMs: number; allowHosts: string[]; maxRedirects: number };
  /** Bare model name → `provider/model` (a list = primary then fallbacks). */
  aliases: Record<string, string[]>;
  logRequests: boolean;
}

const KINDS: ProviderKind[] = ['openai-chat', 'openai', 'anthropic', 'gemini'];

const DEFAULT_TIMEOUTS = { connect: 10_000, firstByte: 300_000, idle: 300_000 };

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

export function loadConfig(opts: { path?: string; env?: Env; overrides?: Partial<Config> } = {}): Config {
  const env = opts.env ?? process.env;
  const path = opts.path ?? env.SWITCHBOARD_CONFIG ?? (existsSync('switchboard.yaml') ? 'switchboard.yaml' : undefined);
  const file = path ? readYaml(path) : {};
  return buildConfig(file, env, opts.overrides ?? {});
}

function readYaml(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new ConfigError(`config file not found: ${path}`);
  const parsed = parseYaml(readFileSync(path, 'utf8')) as unknown;
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`${path}: expected a mapping at the top level`);
  return parsed as Record<string, unknown>;
}

/**
 * Every key the file may hold, per section. A key not listed is an error, not ignored: a typo (`aliases:` for
 * `models:`, `base-url` for `base_url`) must not leave a setting silently at its default.
 */
const KEYS = {
  top: ['server', 'database', 'auth', 'providers', 'models', 'files', 'fetch'],
  server: ['host', 'port', 'body_limit_mb', 'keepalive_seconds', 'log_requests', 'shutdown_grace_seconds'],
  database: ['path', 'writer'],
  auth: ['api_keys'],
  apiKey: ['key', 'key_env', 'api_key', 'api_key_env', 'tenant', 'project', 'id'],
  files: ['dir', 'max_upload_mb'],
  fetch: ['max_mb', 'timeout_ms', 'max_redirects', 'allow_hosts'],
  provider: ['name', 'kind', 'base_url', 'api_key_env', 'api_key', 'headers', 'drop_unsupported', 'models', 'timeouts', 'retry', 'fetch_remote'],
  timeouts: ['connect_ms', 'first_byte_ms', 'idle_ms'],
  retry: ['max', 'base_ms', 'max_ms', 'max_retry_after_ms'],
  fetchRemote: ['image', 'file'],
} as const;

/** A mapping section (absent: empty) that holds only `keys`; `where` names it in errors. */
function section(v: unknown, keys: readonly string[], where: string): Record<string, unknown> {
  return known(obj(v, where), keys, where);
}

/** `o` with only `keys` allowed; `where` names the section in the error (`''` for the top level). */
function known(o: Record<string, unknown>, keys: readonly string[], where: string): Record<string, unknown> {
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) {
      const at = where ? `${where}.${k}` : k;
      throw new ConfigError(`${at}: unknown setting (${where ? `'${where}'` : 'the top level'} takes ${keys.join(', ')})`);
    }
  }
  return o;
}

export function buildConfig(file: Record<string, unknown>, env: Env, overrides: Partial<Config> = {}): Config {
  known(file, KEYS.top, '');
  const server = section(file.server, KEYS.server, 'server');
  const database = section(file.database, KEYS.database, 'database');
  const auth = section(file.auth, KEYS.auth, 'auth');
  const files = section(file.files, KEYS.files, 'files');
  const fetchCfg = section(file.fetch, KEYS.fetch, 'fetch');

  const providers = (arr(file.providers, 'providers')).map((p, i) => providerFromYaml(obj(p, `providers[${i}]`), env, i));
  addEnvProvider(providers, env, 'openai', 'openai', 'OPENAI', 'https://api.openai.com/v1');
  addEnvProvider(providers, env, 'anthropic', 'anthropic', 'ANTHROPIC', 'https://api.anthropic.com/v1');
  addEnvProvider(providers, env, 'gemini', 'gemini', 'GEMINI', 'https://generativelanguage.googleapis.com/v1beta');
  const names = new Set<string>();
  for (const p of providers) {
    if (names.has(p.name)) throw new ConfigError(`provider '${p.name}' is declared twice`);
    names.add(p.name);
  }

  const aliases: Record<string, string[]> = {};
  for (const [alias, target] of Object.entries(obj(file.models, 'models'))) {
    const list = Array.isArray(target) ? target.map(String) : [String(target)];
    if (!list.length) throw new ConfigError(`models.${alias}: empty`);
    aliases[alias] = list;
  }

  const apiKeys: ApiKeyConfig[] = [];
  (arr(auth.api_keys, 'auth.api_keys')).forEach((k, i) => {
    if (typeof k === 'string') apiKeys.push({ key: k, tenant: 'default', id: `key_${i}` });
    else {
      const o = section(k, KEYS.apiKey, `auth.api_keys[${i}]`);
      apiKeys.push({ key: resolveSecret(o, env, `auth.api_keys[${i}]`), tenant: String(o.tenant ?? o.project ?? 'default'), id: String(o.id ?? `key_${i}`) });
    }
  });
  for (const [i, k] of (env.SWITCHBOARD_API_KEYS ?? '').split(',').map((s) => s.trim()).filter(Boolean).entries()) {
    apiKeys.push({ key: k, tenant: 'default', id: `env_key_${i}` });
  }

  const cfg: Config = {
    host: env.SWITCHBOARD_HOST ?? str(server.host) ?? '127.0.0.1',
    port: int(env.SWITCHBOARD_PORT ?? env.PORT ?? server.port, 'server.port') ?? 8080,
    dbPath: env.SWITCHBOARD_DB ?? str(database.path) ?? './data/switchboard.db',
    dbWriter: oneOf(env.SWITCHBOARD_DB_WRITER ?? database.writer, ['auto', 'thread', 'inline'] as const, 'database.writer') ?? 'auto',
    bodyLimitBytes: (int(env.SWITCHBOARD_BODY_LIMIT_MB ?? server.body_limit_mb, 'server.body_limit_mb') ?? 32) * 1024 * 1024,
    keepAliveMs: (int(server.keepalive_seconds, 'server.keepalive_seconds') ?? 15) * 1000,
    shutdownGraceMs: (int(env.SWITCHBOARD_SHUTDOWN_GRACE_SECONDS ?? server.shutdown_grace_seconds, 'server.shutdown_grace_seconds') ?? 30) * 1000,
    apiKeys,
    files: {
      dir: env.SWITCHBOARD_FILES_DIR ?? str(files.dir) ?? './data/files',
      maxUploadBytes: (int(files.max_upload_mb, 'files.max_upload_mb') ?? 100) * 1024 * 1024,
    },
    fetch: {
      maxBytes: (int(fetchCfg.max_mb, 'fetch.max_mb') ?? 20) * 1024 * 1024,
      timeoutMs: int(fetchCfg.timeout_ms, 'fetch.timeout_ms') ?? 15_000,
      allowHosts: arr(fetchCfg.allow_hosts, 'fetch.allow_hosts').map(String),
      maxRedirects: int(fetchCfg.max_redirects, 'fetch.max_redirects') ?? 3,
    },
    providers,
    aliases,
    logRequests: (env.SWITCHBOARD_LOG_REQUESTS ?? String(server.log_requests ?? 'false')) === 'true',
    ...overrides,
  };
  return cfg;
}

function providerFromYaml(p: Record<string, unknown>, env: Env, i: number): ProviderConfig {
  const where = `providers[${i}]`;
  known(p, KEYS.provider, where);
  const name = str(p.name);
  if (!name || !/^[A-Za-z0-9._-]+$/.test(name)) throw new ConfigError(`${where}.name: required, letters/digits/._- only`);
  const kind = str(p.kind) as ProviderKind | undefined;
  if (!kind || !KINDS.includes(kind)) throw new ConfigError(`${where}.kind: one of ${KINDS.join(', ')}`);
  const baseUrl = str(p.base_url);
  if (!baseUrl) throw new ConfigError(`${where}.base_url: required`);
  const t = section(p.timeouts, KEYS.timeouts, `${where}.timeouts`);
  const r = section(p.retry, KEYS.retry, `${where}.retry`);
  const fr = p.fetch_remote === undefined ? undefined : section(p.fetch_remote, KEYS.fetchRemote, `${where}.fetch_remote`);
  return {
    name,
    kind,
    baseUrl,
    apiKey: p.api_key_env || p.api_key ? resolveSecret(p, env, where) : '',
    headers: Object.fromEntries(Object.entries(obj(p.headers, `${where}.headers`)).map(([k, v]) => [k, String(v)])),
    dropUnsupported: p.drop_unsupported === true,
    timeouts: {
      connect: int(t.connect_ms, `${where}.timeouts.connect_ms`) ?? DEFAULT_TIMEOUTS.connect,
      firstByte: int(t.first_byte_ms, `${where}.timeouts.first_byte_ms`) ?? DEFAULT_TIMEOUTS.firstByte,
      idle: int(t.idle_ms, `${where}.timeouts.idle_ms`) ?? DEFAULT_TIMEOUTS.idle,
    },
    ...(fr ? { fetchRemote: { image: fr.image === true, file: fr.file === true } } : {}),
    retry: {
      max: int(r.max, `${where}.retry.max`) ?? DEFAULT_RETRY.max,
      baseMs: int(r.base_ms, `${where}.retry.base_ms`) ?? DEFAULT_RETRY.baseMs,
      maxMs: int(r.max_ms, `${where}.retry.max_ms`) ?? DEFAULT_RETRY.maxMs,
      maxRetryAfterMs: int(r.max_retry_after_ms, `${where}.retry.max_retry_after_ms`) ?? DEFAULT_RETRY.maxRetryAfterMs,
    },
    models: arr(p.models, `${where}.models`).map(String),
  };
}

/** `OPENAI_API_KEY` (+ `OPENAI_BASE_URL`) declares provider `openai` unless the file already has one by that name. */
function addEnvProvider(list: ProviderConfig[], env: Env, name: string, kind: ProviderKind, prefix: string, defaultUrl: string) {
  const key = env[`${prefix}_API_KEY`];
  if (!key || list.some((p) => p.name === name)) return;
  list.push({
    name, kind, baseUrl: env[`${prefix}_BASE_URL`] || defaultUrl, apiKey: key, headers: {}, dropUnsupported: false,
    timeouts: { ...DEFAULT_TIMEOUTS }, retry: { ...DEFAULT_RETRY }, models: [],
  });
}

function resolveSecret(o: Record<string, unknown>, env: Env, where: string): string {
  if (typeof o.api_key_env === 'string') {
    const v = env[o.api_key_env];
    if (v === undefined) throw new ConfigError(`${where}: environment variable ${o.api_key_env} is not set`);
    return v;
  }
  if (typeof o.api_key === 'string') return o.api_key;
  if (typeof o.key === 'string') return o.key;
  if (typeof o.key_env === 'string') {
    const v = env[o.key_env];
    if (v === undefined) throw new ConfigError(`${where}: environment variable ${o.key_env} is not set`);
    return v;
  }
  throw new ConfigError(`${where}: needs api_key_env (or api_key)`);
}

function obj(v: unknown, where: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${where}: expected a mapping`);
  return v as Record<string, unknown>;
}
function arr(v: unknown, where: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ConfigError(`${where}: expected a list`);
  return v;
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
function int(v: unknown, where: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${where}: expected a non-negative integer`);
  return n;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], where: string): T | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (!allowed.includes(v as T)) throw new ConfigError(`${where}: one of ${allowed.join(', ')}`);
  return v as T;
}
