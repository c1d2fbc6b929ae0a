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
  /** Milliseconds. */
  timeouts: { connect: number; firstByte: number; idle: number };
  /**
   * Which remote URLs Switchboard fetches (through the safe fetcher) and inlines, because the vendor cannot
   * fetch them itself. Defaults per kind (providers/registry.ts); YAML `fetch_remote: {image, file}` overrides.
   */
  fetchRemote?: { image: boolean; file: boolean };
  /** Retries before the first byte reaches the client (429, 5xx, connection errors, timeouts). */
  retry?: RetryPolicy;
  /** Models this provider lists in GET /v1/models (any model id is still routed to it). */
  models: string[];
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

/** Milliseconds. */
export const DEFAULT_TIMEOUTS = { connect: 10_000, firstByte: 300_000, idle: 300_000 };
