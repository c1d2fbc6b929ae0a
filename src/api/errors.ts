/**
 * One error family, one envelope: `{"error":{"message","type","param","code"}}`.
 * Everything thrown inside a request handler that is not an ApiError becomes a 500 `server_error`;
 * a client's mistake must always be an ApiError with a 4xx status.
 */

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'server_error'
  | 'upstream_error';

export interface ErrorBody {
  message: string;
  type: ErrorType;
  param: string | null;
  code: string | null;
}

export class ApiError extends Error {
  readonly status: number;
  readonly type: ErrorType;
  readonly param: string | null;
  readonly code: string | null;
  /** Extra response headers (retry-after, x-should-retry…). */
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    message: string,
    opts: { type?: ErrorType; param?: string | null; code?: string | null; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = status;
    this.type = opts.type ?? defaultType(status);
    this.param = opts.param ?? null;
    this.code = opts.code ?? null;
    this.headers = opts.headers ?? {};
  }

  toBody(): { error: ErrorBody } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

function defaultType(status: number): ErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'invalid_request_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

export const invalidRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new ApiError(400, message, { param, code });

export const notFound = (message: string, param: string | null = null, code: string | null = 'not_found') =>
  new ApiError(404, message, { param, code });

/**
 * A failure talking to an upstream model provider. `status` is the upstream's HTTP status when there was one;
 * `code` is a stable Switchboard code (`upstream_auth_error`, `upstream_rate_limited`, `upstream_timeout`,
 * `upstream_error`, `upstream_connection_error`, `upstream_bad_response`).
 */
export class UpstreamError extends Error {
  readonly upstreamStatus: number | null;
  readonly code: string;
  readonly retryAfter: string | null;
  /**
   * What only the operator may see (logs): e.g. `connect ECONNREFUSED 10.0.0.7:8000`. The message goes to
   * clients and the store, so it never names the upstream's host, address or port.
   */
  readonly detail: string | null;

  constructor(message: string, opts: { status?: number | null; code?: string; retryAfter?: string | null; detail?: string | null } = {}) {
    super(message);
    this.upstreamStatus = opts.status ?? null;
    this.code = opts.code ?? codeForStatus(opts.status ?? null);
    this.retryAfter = opts.retryAfter ?? null;
    this.detail = opts.detail ?? null;
  }

  /** The HTTP status and headers Switchboard answers with when this happens before streaming starts. */
  toApiError(provider: string): ApiError {
    const s = this.upstreamStatus;
    const message = `Upstream provider '${provider}' failed: ${this.message}`;
    if (s === 429) {
      const headers: Record<string, string> = {};
      if (this.retryAfter) headers['retry-after'] = this.retryAfter;
      return new ApiError(429, message, { type: 'rate_limit_error', code: this.code, headers });
    }
    if (s === 400 || s === 404 || s === 413 || s === 422) {
      // The upstream refused the translated request: the client's request is at fault, retrying cannot help.
      return new ApiError(400, message, { code: this.code, headers: { 'x-should-retry': 'false' } });
    }
    if (this.code === 'upstream_timeout') return new ApiError(504, message, { type: 'upstream_error', code: this.code });
    const noRetry = s === 401 || s === 403;
    return new ApiError(502, message, {
      type: 'upstream_error',
      code: this.code,
      headers: noRetry ? { 'x-should-retry': 'false' } : {},
    });
  }
}

function codeForStatus(status: number | null): string {
  if (status === 401 || status === 403) return 'upstream_auth_error';
  if (status === 429) return 'upstream_rate_limited';
  if (status === 400 || status === 404 || status === 413 || status === 422) return 'upstream_invalid_request';
  if (status === null) return 'upstream_connection_error';
  return 'upstream_error';
}
