/**
 * The one error a web search, a page read or a find can end in. The integrator turns it into a failed
 * `web_search_call` whose message the model sees, so `message` says what went wrong in words a model can act
 * on and never carries the API key or the backend's host, address or port; `detail` (raw cause) is for the
 * operator's logs only.
 */
export type WebSearchErrorCode =
  /** The backend refused the key (401/403). */
  | 'search_auth_failed'
  /** 429, or a plan or spending limit (Tavily 432/433). */
  | 'search_rate_limited'
  /** The backend rejected the query itself (400/422). */
  | 'search_invalid_query'
  /** Any other non-2xx answer, or every engine of a SearXNG instance failing. */
  | 'search_backend_error'
  /** No connection, or the connection broke. */
  | 'search_unreachable'
  | 'search_timeout'
  /** A 2xx answer that is not the JSON shape the backend documents. */
  | 'search_bad_response'
  /** The page's address is refused by the outbound policy, or it is outside `allowed_domains`. */
  | 'page_not_allowed'
  | 'page_fetch_failed'
  | 'page_too_large'
  | 'page_timeout'
  /** A content type that cannot be read as text (images, PDFs, archives…). */
  | 'page_unsupported_type'
  /** The caller cancelled (client gone, `cancel`). */
  | 'aborted';

export class WebSearchError extends Error {
  readonly code: WebSearchErrorCode;
  /** For the logs: the raw cause (may name the backend's host). Never shown to the model or the client. */
  readonly detail: string | null;

  constructor(code: WebSearchErrorCode, message: string, detail: string | null = null) {
    super(message);
    this.name = 'WebSearchError';
    this.code = code;
    this.detail = detail;
  }
}

/** `text` with every occurrence of `secret` masked: a vendor that echoes the key back must not leak it. */
export function redact(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text;
  return text.split(secret).join('***');
}
