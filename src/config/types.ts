/** Typed configuration, produced by config/load-config.ts from YAML + environment. */

export const PROVIDER_KINDS = ['openai-chat', 'openai', 'anthropic', 'gemini'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export interface ProviderConfig {
  /** The `provider` part of `provider/model`. */
  name: string;
  kind: ProviderKind;
  /**
   * Base URL without trailing slash, e.g. `https://api.openai.com/v1`. For `anthropic` and `gemini` the version
   * segment may be left out, as those vendors' SDKs take it (providers/api-root.ts adds it).
   */
  baseUrl: string;
  /** Resolved secret (from `api_key_env` or `api_key`); may be empty for local servers. */
  apiKey: string;
  /** Extra headers sent on every upstream request. */
  headers: Record<string, string>;
  /** When true, request fields the provider cannot honour are dropped (and listed in a response header). */
  dropUnsupported: boolean;
  /**
   * Milliseconds. `connect`: TCP/TLS connect. `firstByte`: a streamed call's response headers and first event
   * (SSE comments are not events). `nonStream`: a call answered in one piece, the whole answer (for
   * `openai-chat` when the client does not stream, that is the whole generation); defaults to `firstByte`.
   * `idle`: the longest silence (no byte at all) once a stream is under way. `keepAliveMax`: the longest a
   * stream may go with nothing but SSE comments (keep-alives) since its last event; defaults to `idle`.
   * 0 turns a limit off.
   */
  timeouts: { connect: number; firstByte: number; nonStream?: number; idle: number; keepAliveMax?: number };
  /**
   * Which remote URLs Switchboard fetches (through the safe fetcher) and inlines, because the vendor cannot
   * fetch them itself. Defaults per kind (providers/registry.ts); YAML `fetch_remote: {image, file}` overrides.
   */
  fetchRemote?: { image: boolean; file: boolean };
  /** Retries before the first byte reaches the client (429, 5xx, connection errors, timeouts). */
  retry?: RetryPolicy;
  /** Models this provider lists in GET /v1/models (any model id is still routed to it). */
  models: string[];
  /** Context window (tokens) per upstream model id, over the built-in table (context/context-windows.ts). */
  contextWindows?: Record<string, number>;
  /** This provider's window for a model neither `contextWindows` nor the built-in table knows. */
  defaultContextWindow?: number;
  /**
   * Who runs hosted tools (web_search, file_search, mcp, code_interpreter) for a vendor that can run them itself
   * (the openai kind): `vendor` (default) or `switchboard` (Switchboard's own, as for every other kind).
   */
  serverTools?: 'vendor' | 'switchboard';
}

export interface RetryPolicy {
  /** Retries after the first attempt (0 = none). */
  max: number;
  baseMs: number;
  maxMs: number;
  /** A `retry-after` longer than this moves on to the next fallback instead of waiting. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { max: 2, baseMs: 250, maxMs: 4_000, maxRetryAfterMs: 20_000 };

/**
 * Milliseconds. A streamed call must show its first event within a minute; a call answered in one piece (the
 * whole generation) gets five. See ProviderConfig.timeouts.
 */
export const DEFAULT_TIMEOUTS = { connect: 10_000, firstByte: 60_000, nonStream: 300_000, idle: 300_000, keepAliveMax: 300_000 };

/** All attempts (retries and fallbacks) to start one response share this deadline. */
export const DEFAULT_UPSTREAM_DEADLINE_MS = 300_000;

/** The context window assumed for a model nobody configured and the built-in table does not know, tokens. */
export const DEFAULT_CONTEXT_WINDOW = 128_000;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
