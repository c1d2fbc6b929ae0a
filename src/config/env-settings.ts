/**
 * Environment variables that set a file setting, checked by the file's own schema (config-schema.ts) after
 * their text is read as the setting's type. A setting from the environment wins over the file; a later line
 * wins over an earlier one for the same setting (SWITCHBOARD_PORT over PORT). Errors name the variable.
 */
export type EnvReader = (raw: string) => unknown;

/** Thrown by a reader for text that is no value of its type; the message says what is expected. */
export class EnvValueError extends Error {}

export const asText: EnvReader = (raw) => raw;

/** Digits become a number; anything else goes to the schema as it is, to be refused with the expected range. */
export const asInteger: EnvReader = (raw) => (/^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw);

export const asBoolean: EnvReader = (raw) => {
  const v = raw.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new EnvValueError('expected true, false, 1 or 0');
};

/** variable, the setting's path in the file, how its text is read. */
export const ENV_SETTINGS: readonly (readonly [name: string, path: string, read: EnvReader])[] = [
  ['SWITCHBOARD_HOST', 'server.host', asText],
  ['PORT', 'server.port', asInteger],
  ['SWITCHBOARD_PORT', 'server.port', asInteger],
  ['SWITCHBOARD_BODY_LIMIT_MB', 'server.body_limit_mb', asInteger],
  ['SWITCHBOARD_LOG_REQUESTS', 'server.log_requests', asBoolean],
  ['SWITCHBOARD_LOG_LEVEL', 'server.log_level', asText],
  ['SWITCHBOARD_SHUTDOWN_GRACE_SECONDS', 'server.shutdown_grace_seconds', asInteger],
  ['SWITCHBOARD_SECRET_KEY', 'server.secret_key', asText],
  ['SWITCHBOARD_BACKGROUND_WORKERS', 'background.workers', asInteger],
  ['SWITCHBOARD_DB', 'database.path', asText],
  ['SWITCHBOARD_DB_WRITER', 'database.writer', asText],
  ['SWITCHBOARD_FILES_DIR', 'files.dir', asText],
  ['SWITCHBOARD_IDEMPOTENCY_TTL_SECONDS', 'idempotency.ttl_seconds', asInteger],
  ['SWITCHBOARD_MAX_TOOL_TURNS', 'tools.max_turns', asInteger],
  ['SWITCHBOARD_WEB_SEARCH_BACKEND', 'tools.web_search.backend', asText],
  ['SWITCHBOARD_WEB_SEARCH_BASE_URL', 'tools.web_search.base_url', asText],
  ['SWITCHBOARD_WEB_SEARCH_API_KEY', 'tools.web_search.api_key', asText],
  ['SWITCHBOARD_MCP_ALLOW_HOSTS', 'tools.mcp.allow_hosts', (raw) => raw.split(',').map((x) => x.trim()).filter(Boolean)],
  ['SWITCHBOARD_CODE_INTERPRETER', 'tools.code_interpreter.enabled', asBoolean],
];

/**
 * Providers declared by each vendor SDK's own variables: `<PREFIX>_API_KEY` (+ `<PREFIX>_BASE_URL`, in the
 * form that vendor's SDK takes it). A provider of the same name in the file wins.
 */
export const VENDOR_ENV_PROVIDERS = [
  { name: 'openai', kind: 'openai', prefix: 'OPENAI', defaultUrl: 'https://api.openai.com/v1' },
  { name: 'anthropic', kind: 'anthropic', prefix: 'ANTHROPIC', defaultUrl: 'https://api.anthropic.com/v1' },
  { name: 'gemini', kind: 'gemini', prefix: 'GEMINI', defaultUrl: 'https://generativelanguage.googleapis.com/v1beta' },
] as const;
