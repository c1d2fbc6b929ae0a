/**
 * Configuration: an optional YAML file (`--config <path>` or SWITCHBOARD_CONFIG; `./switchboard.yaml` when it
 * exists) with environment overrides on top, both checked by one schema (config-schema.ts). Anything wrong —
 * a wrong type or value, an unknown key, an unset `api_key_env` — stops start-up with a ConfigError naming the
 * setting (or variable) and what it expects. Vendor env names follow each vendor's SDK, so `OPENAI_API_KEY`
 * (+ `OPENAI_BASE_URL`) alone makes `openai/*` work with no file at all.
 */
import type { ToolsConfig } from '../tools/tools-config.js';
import type { VectorStoreOptions } from '../vector-stores/vector-store-options.js';
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { configFileSchema, providerSchema, type ConfigFile, type ProviderFile } from './config-schema.js';
import { ENV_SETTINGS, EnvValueError, VENDOR_ENV_PROVIDERS } from './env-settings.js';
import { formatConfigIssues } from './format-config-issues.js';
import type { LOG_LEVELS, ProviderConfig } from './types.js';

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
  /** Background responses run at once (`background.workers`); the rest wait `queued`. */
  backgroundWorkers: number;
  apiKeys: ApiKeyConfig[];
  providers: ProviderConfig[];
  /** Uploaded files (Files API): directory and per-upload limit. */
  files: { dir: string; maxUploadBytes: number };
  /** `Idempotency-Key` records: how long a key lives (from its first request) and the largest answer kept for replay. */
  idempotency: { ttlMs: number; maxRecordedBytes: number };
  /** The safe fetcher for remote image/file URLs. */
  fetch: { maxBytes: number; timeoutMs: number; allowHosts: string[]; maxRedirects: number };
  /** Bare model name → `provider/model` (a list = primary then fallbacks). */
  aliases: Record<string, string[]>;
  /** Log the request line (one per HTTP request) at info level; otherwise it is a debug line. */
  logRequests: boolean;
  /** The lowest level written (pino's: fatal … trace, or silent). */
  logLevel: LogLevel;
  /**
   * One request's attempts to start a response (retries and fallbacks, backoff included) end this long after
   * the first one began; an attempt still waiting then is abandoned (504 `upstream_timeout`), none starts after.
   */
  upstreamDeadlineMs: number;
  /**
   * The key that seals compaction items (context/secret-key.ts): `server.secret_key` / SWITCHBOARD_SECRET_KEY,
   * else generated once and kept in the data directory. Undefined here means "use the kept one".
   */
  secretKey?: string;
  /** The context window for a model no provider setting and no built-in entry names, tokens. */
  defaultContextWindow: number;
  /** The hosted tools Switchboard runs itself (tools/tools-config.ts). */
  tools: ToolsConfig;
  /** Code interpreter containers (Containers API): idle expiry and the largest file one takes. */
  containers: { idleMinutes: number; maxFileBytes: number };
  /** Vector stores: ingestion and ranking (hybrid when an embeddings endpoint is configured). */
  vectorStores: VectorStoreOptions;
}

export type { ToolsConfig };

export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

const MiB = 1024 * 1024;

export function loadConfig(opts: { path?: string; env?: Env; overrides?: Partial<Config> } = {}): Config {
  const env = opts.env ?? process.env;
  const path = opts.path ?? (env.SWITCHBOARD_CONFIG || undefined) ?? (existsSync('switchboard.yaml') ? 'switchboard.yaml' : undefined);
  const file = path ? readYaml(path) : {};
  return buildConfig(file, env, opts.overrides ?? {});
}

function readYaml(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new ConfigError(`config file not found: ${path}`);
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8')) as unknown;
  } catch (err) {
    throw new ConfigError(`${path}: not valid YAML: ${(err as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`${path}: expected a mapping at the top level`);
  return parsed as Record<string, unknown>;
}

export function buildConfig(file: Record<string, unknown>, env: Env, overrides: Partial<Config> = {}): Config {
  const cleaned = withoutNulls(file) as Record<string, unknown>;
  // The file alone first, so its mistakes are named by their path even where the environment overrides them.
  const own = configFileSchema.safeParse(cleaned, { reportInput: true });
  if (!own.success) throw new ConfigError(formatConfigIssues(own.error.issues));
  const { merged, names } = withEnv(cleaned, env);
  const checked = configFileSchema.safeParse(merged, { reportInput: true });
  if (!checked.success) throw new ConfigError(formatConfigIssues(checked.error.issues, names));
  const f = checked.data;

  const providers = f.providers.map((p, i) => toProviderConfig(p, resolveSecret(p, env, `providers[${i}]`) ?? ''));
  for (const vendor of VENDOR_ENV_PROVIDERS) {
    const key = env[`${vendor.prefix}_API_KEY`];
    if (!key || providers.some((p) => p.name === vendor.name)) continue;
    const urlVar = `${vendor.prefix}_BASE_URL`;
    const p = providerSchema.safeParse({ name: vendor.name, kind: vendor.kind, base_url: env[urlVar] || vendor.defaultUrl }, { reportInput: true });
    if (!p.success) throw new ConfigError(formatConfigIssues(p.error.issues, new Map([['base_url', urlVar]])));
    providers.push(toProviderConfig(p.data, key));
  }
  const names_ = new Set<string>();
  for (const p of providers) {
    if (names_.has(p.name)) throw new ConfigError(`provider '${p.name}' is declared twice`);
    names_.add(p.name);
  }

  const aliases: Record<string, string[]> = {};
  // defineProperty, not `aliases[alias] =`: an alias named `__proto__` must be an alias, not a new prototype.
  for (const [alias, target] of Object.entries(f.models)) {
    Object.defineProperty(aliases, alias, { value: typeof target === 'string' ? [target] : target, enumerable: true, writable: true, configurable: true });
  }

  const apiKeys: ApiKeyConfig[] = f.auth.api_keys.map((k, i) => typeof k === 'string'
    ? { key: k, tenant: 'default', id: `key_${i}` }
    : { key: requiredSecret(k, env, `auth.api_keys[${i}]`), tenant: k.tenant ?? k.project ?? 'default', id: k.id ?? `key_${i}` });
  for (const [i, k] of (env.SWITCHBOARD_API_KEYS ?? '').split(',').map((s) => s.trim()).filter(Boolean).entries()) {
    apiKeys.push({ key: k, tenant: 'default', id: `env_key_${i}` });
  }

  return {
    host: f.server.host,
    port: f.server.port,
    dbPath: f.database.path,
    dbWriter: f.database.writer,
    bodyLimitBytes: f.server.body_limit_mb * MiB,
    keepAliveMs: f.server.keepalive_seconds * 1000,
    shutdownGraceMs: f.server.shutdown_grace_seconds * 1000,
    backgroundWorkers: f.background.workers,
    apiKeys,
    files: { dir: f.files.dir, maxUploadBytes: f.files.max_upload_mb * MiB },
    idempotency: { ttlMs: f.idempotency.ttl_seconds * 1000, maxRecordedBytes: f.idempotency.max_recorded_mb * MiB },
    fetch: { maxBytes: f.fetch.max_mb * MiB, timeoutMs: f.fetch.timeout_ms, allowHosts: f.fetch.allow_hosts, maxRedirects: f.fetch.max_redirects },
    providers,
    aliases,
    logRequests: f.server.log_requests,
    logLevel: f.server.log_level,
    upstreamDeadlineMs: f.server.upstream_deadline_ms,
    ...(f.server.secret_key !== undefined ? { secretKey: f.server.secret_key } : {}),
    defaultContextWindow: f.server.default_context_window,
    tools: toolsConfig(f.tools, env),
    containers: { idleMinutes: f.containers.idle_minutes, maxFileBytes: f.containers.max_file_mb * MiB },
    vectorStores: {
      ingest_concurrency: f.vector_stores.ingest_concurrency,
      vector_weight: f.vector_stores.vector_weight,
      embeddings: f.vector_stores.embeddings ? {
        base_url: f.vector_stores.embeddings.base_url,
        api_key: resolveSecret(f.vector_stores.embeddings, env, 'vector_stores.embeddings'),
        model: f.vector_stores.embeddings.model,
        dimensions: f.vector_stores.embeddings.dimensions,
        batch_size: f.vector_stores.embeddings.batch_size,
        timeout_ms: f.vector_stores.embeddings.timeout_ms,
      } : null,
    },
    ...overrides,
  };
}

function toProviderConfig(p: ProviderFile, apiKey: string): ProviderConfig {
  return {
    name: p.name,
    kind: p.kind,
    baseUrl: p.base_url,
    apiKey,
    headers: p.headers,
    dropUnsupported: p.drop_unsupported,
    timeouts: {
      connect: p.timeouts.connect_ms, firstByte: p.timeouts.first_byte_ms, nonStream: p.timeouts.non_stream_ms,
      idle: p.timeouts.idle_ms, keepAliveMax: p.timeouts.keepalive_max_ms,
    },
    ...(p.fetch_remote ? { fetchRemote: { image: p.fetch_remote.image, file: p.fetch_remote.file } } : {}),
    retry: { max: p.retry.max, baseMs: p.retry.base_ms, maxMs: p.retry.max_ms, maxRetryAfterMs: p.retry.max_retry_after_ms },
    models: p.models,
    contextWindows: p.context_windows,
    ...(p.default_context_window !== undefined ? { defaultContextWindow: p.default_context_window } : {}),
    ...(p.server_tools ? { serverTools: p.server_tools } : {}),
  };
}

function toolsConfig(t: ConfigFile['tools'], env: Env): ToolsConfig {
  const ws = t.web_search;
  return {
    maxTurns: t.max_turns,
    webSearch: ws.backend ? {
      backend: ws.backend, baseUrl: ws.base_url, apiKey: resolveSecret(ws, env, 'tools.web_search') ?? '',
      maxResults: ws.max_results, fetchPages: ws.fetch_pages, timeoutMs: ws.timeout_ms, pageTimeoutMs: ws.page_timeout_ms,
      pageMaxBytes: ws.page_max_mb * MiB,
    } : null,
    fileSearch: t.file_search.enabled,
    mcp: t.mcp.enabled ? {
      allowHosts: t.mcp.allow_hosts, connectTimeoutMs: t.mcp.connect_timeout_ms, callTimeoutMs: t.mcp.call_timeout_ms, connectors: t.mcp.connectors,
    } : null,
    codeInterpreter: t.code_interpreter.enabled ? {
      timeoutMs: t.code_interpreter.timeout_ms, memoryLimitMb: t.code_interpreter.memory_limit_mb,
      maxOutputBytes: t.code_interpreter.max_output_bytes, maxFileBytes: t.code_interpreter.max_file_mb * MiB,
      maxLiveInterpreters: t.code_interpreter.max_live_interpreters,
    } : null,
  };
}

/** The file with the environment's settings laid over it, and which variable set which path. */
function withEnv(file: Record<string, unknown>, env: Env): { merged: Record<string, unknown>; names: Map<string, string> } {
  const merged: Record<string, unknown> = { ...file };
  const names = new Map<string, string>();
  const errors: string[] = [];
  for (const [name, path, read] of ENV_SETTINGS) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    let value: unknown;
    try {
      value = read(raw);
    } catch (err) {
      if (!(err instanceof EnvValueError)) throw err;
      errors.push(`${name}: ${err.message}, got ${JSON.stringify(raw)}`);
      continue;
    }
    setAt(merged, path.split('.'), value);
    names.set(path, name);
  }
  if (errors.length) throw new ConfigError(errors.join('; '));
  return { merged, names };
}

/** Sets `keys` in `o`, copying each mapping on the way so the caller's file object is left as it was. */
function setAt(o: Record<string, unknown>, keys: string[], value: unknown): void {
  const [head, ...rest] = keys;
  if (!rest.length) {
    o[head] = value;
    return;
  }
  const inner = { ...(o[head] as Record<string, unknown> | undefined) };
  o[head] = inner;
  setAt(inner, rest, value);
}

/** A YAML key with no value (`server:`) means the same as leaving it out. */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = withoutNulls(x);
  return out;
}

interface SecretSource { key?: string; key_env?: string; api_key?: string; api_key_env?: string }

/** The secret named by `api_key_env` / `key_env` (which must be set) or written as `api_key` / `key`. */
function resolveSecret(o: SecretSource, env: Env, where: string): string | undefined {
  const fromEnv = o.api_key_env ?? o.key_env;
  if (fromEnv !== undefined) {
    const v = env[fromEnv];
    if (v === undefined) throw new ConfigError(`${where}: environment variable ${fromEnv} is not set`);
    return v;
  }
  return o.api_key ?? o.key;
}

function requiredSecret(o: SecretSource, env: Env, where: string): string {
  const v = resolveSecret(o, env, where);
  if (v === undefined) throw new ConfigError(`${where}: needs key_env (or key)`);
  return v;
}
