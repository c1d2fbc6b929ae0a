/**
 * The configuration file's one schema: every key, its type, its range and its default. A setting is one line
 * here (then mapped onto `Config` in load-config.ts); the environment is checked against the same lines
 * (env-settings.ts). Sections are strict: a key not listed is an error naming it, so a typo (`aliases:` for
 * `models:`, `base-url` for `base_url`) never leaves a setting silently at its default.
 *
 * Each field's message says what is expected; format-config-issues.ts adds the path and the value found.
 */
import { z } from 'zod';
import { DEFAULT_CONTEXT_WINDOW, DEFAULT_RETRY, DEFAULT_TIMEOUTS, DEFAULT_UPSTREAM_DEADLINE_MS, LOG_LEVELS, PROVIDER_KINDS } from './types.js';

/** A mapping that takes exactly `shape`'s keys; absent means every default. */
function section<S extends z.ZodRawShape>(shape: S) {
  const takes = `takes ${Object.keys(shape).join(', ')}`;
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? takes : 'expected a mapping'),
  });
}

function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  const expected = max === Number.MAX_SAFE_INTEGER
    ? (min === 0 ? 'expected a whole number ≥ 0' : `expected a whole number ≥ ${min}`)
    : `expected a whole number from ${min} to ${max}`;
  return z.int({ error: expected }).min(min, { error: expected }).max(max, { error: expected });
}

const flag = () => z.boolean({ error: 'expected true or false' });
const text = (what = 'a string') => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });
const list = <T extends z.ZodType>(item: T, what: string) => z.array(item, { error: `expected a list of ${what}` });

const HTTP_URL = 'expected an http(s) URL such as http://127.0.0.1:8000/v1';
/** An absolute http(s) URL, kept without its trailing slashes (base URLs are joined with `/path`). */
export const httpUrl = z
  .url({ protocol: /^https?$/, hostname: /./, error: HTTP_URL })
  .transform((u) => u.replace(/\/+$/, ''));

const modelTarget = text("'provider/model'");
const ALIAS = "expected 'provider/model' or a non-empty list of them";

const apiKeyEntry = z.union([
  text('a key'),
  section({
    key: z.string().optional(),
    key_env: text('an environment variable name').optional(),
    api_key: z.string().optional(),
    api_key_env: text('an environment variable name').optional(),
    tenant: text('a tenant name').optional(),
    project: text('a tenant name').optional(),
    id: text('a key id').optional(),
  }),
], { error: 'expected a key, or a mapping with key or key_env (and tenant, id)' });

export const providerSchema = section({
  name: text('a provider name (letters, digits, . _ -)').regex(/^[A-Za-z0-9._-]+$/, {
    error: 'expected a provider name (letters, digits, . _ -)',
  }),
  kind: z.enum(PROVIDER_KINDS, { error: `one of ${PROVIDER_KINDS.join(', ')}` }),
  base_url: httpUrl,
  api_key_env: text('an environment variable name').optional(),
  api_key: z.string({ error: 'expected a string' }).optional(),
  headers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: 'expected a header value (text)' }).transform(String), {
    error: 'expected a mapping of header names to values',
  }).prefault({}),
  drop_unsupported: flag().default(false),
  models: list(text('a model id'), 'model ids').default([]),
  timeouts: section({
    connect_ms: integer(0).default(DEFAULT_TIMEOUTS.connect),
    first_byte_ms: integer(0).default(DEFAULT_TIMEOUTS.firstByte),
    non_stream_ms: integer(0).default(DEFAULT_TIMEOUTS.nonStream),
    idle_ms: integer(0).default(DEFAULT_TIMEOUTS.idle),
    keepalive_max_ms: integer(0).default(DEFAULT_TIMEOUTS.keepAliveMax),
  }).prefault({}),
  retry: section({
    max: integer(0).default(DEFAULT_RETRY.max),
    base_ms: integer(0).default(DEFAULT_RETRY.baseMs),
    max_ms: integer(0).default(DEFAULT_RETRY.maxMs),
    max_retry_after_ms: integer(0).default(DEFAULT_RETRY.maxRetryAfterMs),
  }).prefault({}),
  fetch_remote: section({
    image: flag().default(false),
    file: flag().default(false),
  }).optional(),
  context_windows: z.record(z.string(), integer(1), { error: 'expected a mapping of model ids to context windows (tokens)' }).prefault({}),
  default_context_window: integer(1).optional(),
  server_tools: z.enum(['vendor', 'switchboard'], { error: 'one of vendor, switchboard' }).optional(),
});

const headerMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: 'expected a header value (text)' }).transform(String), {
  error: 'expected a mapping of header names to values',
});

/** The hosted tools Switchboard runs itself (tools/server-tools.ts). */
const toolsSchema = section({
  max_turns: integer(1, 1000).default(10),
  web_search: section({
    backend: z.enum(['searxng', 'brave', 'tavily'], { error: 'one of searxng, brave, tavily' }).optional(),
    base_url: httpUrl.optional(),
    api_key: z.string({ error: 'expected a string' }).optional(),
    api_key_env: text('an environment variable name').optional(),
    max_results: integer(1, 20).default(5),
    fetch_pages: flag().default(true),
    timeout_ms: integer(1).default(10_000),
    page_timeout_ms: integer(1).default(8_000),
    page_max_mb: integer(1).default(5),
  }).prefault({}),
  file_search: section({
    enabled: flag().default(true),
  }).prefault({}),
  mcp: section({
    enabled: flag().default(true),
    allow_hosts: list(text('a hostname, *.suffix, IP or CIDR'), 'hostnames, *.suffix, IPs or CIDRs').default([]),
    connect_timeout_ms: integer(1).default(10_000),
    call_timeout_ms: integer(1).default(60_000),
    connectors: z.record(z.string(), section({ url: httpUrl, headers: headerMap.prefault({}) }), {
      error: 'expected a mapping of connector ids to {url, headers}',
    }).prefault({}),
  }).prefault({}),
  code_interpreter: section({
    enabled: flag().default(true),
    timeout_ms: integer(100).default(30_000),
    memory_limit_mb: integer(64).default(1024),
    max_output_bytes: integer(1024).default(65_536),
    max_file_mb: integer(1).default(32),
    max_live_interpreters: integer(1).default(4),
  }).prefault({}),
}).prefault({});

export const configFileSchema = section({
  server: section({
    host: text('a hostname or IP address').default('127.0.0.1'),
    port: integer(0, 65535).default(8080),
    body_limit_mb: integer(1).default(32),
    keepalive_seconds: integer(0).default(15),
    log_requests: flag().default(false),
    log_level: z.enum(LOG_LEVELS, { error: `one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    upstream_deadline_ms: integer(0).default(DEFAULT_UPSTREAM_DEADLINE_MS),
    shutdown_grace_seconds: integer(0).default(30),
    secret_key: text('a key: 64 hex digits or 44 base64 characters').optional(),
    default_context_window: integer(1).default(DEFAULT_CONTEXT_WINDOW),
  }).prefault({}),
  database: section({
    path: text('a file path').default('./data/switchboard.db'),
    writer: z.enum(['auto', 'thread', 'inline'], { error: 'one of auto, thread, inline' }).default('auto'),
  }).prefault({}),
  background: section({
    workers: integer(1, 10_000).default(8),
  }).prefault({}),
  auth: section({
    api_keys: list(apiKeyEntry, 'keys').default([]),
  }).prefault({}),
  providers: list(providerSchema, 'providers').default([]),
  models: z.record(z.string(), z.union([modelTarget, z.array(modelTarget).min(1, { error: ALIAS })], { error: ALIAS }), { error: "expected a mapping of alias names to 'provider/model'" }).prefault({}),
  files: section({
    dir: text('a directory path').default('./data/files'),
    max_upload_mb: integer(1).default(100),
  }).prefault({}),
  idempotency: section({
    ttl_seconds: integer(1).default(86_400),
    max_recorded_mb: integer(1).default(16),
  }).prefault({}),
  tools: toolsSchema,
  containers: section({
    idle_minutes: integer(1).default(20),
    max_file_mb: integer(1).default(100),
  }).prefault({}),
  vector_stores: section({
    ingest_concurrency: integer(1, 64).default(2),
    vector_weight: z.number({ error: 'expected a number from 0 to 1' }).min(0, { error: 'expected a number from 0 to 1' }).max(1, { error: 'expected a number from 0 to 1' }).default(0.5),
    embeddings: section({
      base_url: httpUrl,
      api_key: z.string({ error: 'expected a string' }).optional(),
      api_key_env: text('an environment variable name').optional(),
      model: text('a model id'),
      dimensions: integer(1).optional(),
      batch_size: integer(1, 2048).default(64),
      timeout_ms: integer(1).default(60_000),
    }).optional(),
  }).prefault({}),
  fetch: section({
    max_mb: integer(1).default(20),
    timeout_ms: integer(1).default(15_000),
    max_redirects: integer(0).default(3),
    allow_hosts: list(text('a hostname, *.suffix, IP or CIDR'), 'hostnames, *.suffix, IPs or CIDRs').default([]),
  }).prefault({}),
});

export type ConfigFile = z.output<typeof configFileSchema>;
export type ProviderFile = z.output<typeof providerSchema>;
