/**
 * Upstream failures as UpstreamError: a vendor's error body, a connection or timeout error from undici. Client-
 * facing messages name the provider and the error code, never the upstream's host, address or port; the raw
 * cause goes in `detail`, for the logs only.
 */
import type { CancelSignal } from '../api/cancellation.js';
import { errors as undiciErrors } from 'undici';
import { UpstreamError } from '../api/errors.js';

/** Where a failure happened, for its message: which provider, which limits, which kind of call. */
export interface UpstreamPlace {
  provider: string;
  limits: Limits;
  /** `stream`: an SSE call; `whole`: a call answered in one piece. */
  call: 'stream' | 'whole';
}

export interface Limits { connect: number; firstByte: number; nonStream: number; idle: number; keepAliveMax: number }

/** Vendors nest their message differently: `{error:{message}}`, `{error:"…"}`, `{message}`, `[{error:{…}}]`. */
export function extractErrorMessage(text: string, status: number): string {
  try {
    let j = JSON.parse(text) as unknown;
    if (Array.isArray(j)) j = j[0];
    if (j && typeof j === 'object') {
      const o = j as Record<string, unknown>;
      const e = o.error;
      if (typeof e === 'string') return e;
      if (e && typeof e === 'object' && typeof (e as Record<string, unknown>).message === 'string') {
        return (e as Record<string, string>).message;
      }
      if (typeof o.message === 'string') return o.message;
    }
  } catch {
    /* not JSON: fall through */
  }
  const trimmed = text.trim().slice(0, 500);
  return trimmed ? `HTTP ${status}: ${trimmed}` : `HTTP ${status}`;
}

/**
 * Any failure of an upstream exchange as an UpstreamError. The message names the provider and the error code
 * (`ECONNREFUSED`, `UND_ERR_SOCKET`…) but never the upstream's host, address or port: node's own messages
 * (`connect ECONNREFUSED 10.0.0.7:8000`) go in `detail`, for the logs only. `answering`: the upstream's
 * answer had begun (its headers arrived).
 */
export function toUpstreamError(err: unknown, signal?: CancelSignal, place?: UpstreamPlace, answering = false): UpstreamError {
  if (err instanceof UpstreamError) return err;
  if (signal?.aborted) return new UpstreamError('request aborted', { code: 'aborted' });
  const detail = err instanceof Error ? `${err.message}${causeOf(err)}` : String(err);
  const provider = place ? `provider '${place.provider}'` : 'the provider';
  if (err instanceof undiciErrors.ConnectTimeoutError) {
    const limit = place ? ` within ${place.limits.connect} ms (timeouts.connect_ms)` : '';
    return new UpstreamError(`${provider} did not accept a connection${limit}`, { code: 'upstream_timeout', detail });
  }
  if (err instanceof undiciErrors.HeadersTimeoutError) {
    const limit = !place ? '' : place.call === 'whole'
      ? ` within ${place.limits.nonStream} ms (timeouts.non_stream_ms)`
      : ` within ${place.limits.firstByte} ms (timeouts.first_byte_ms)`;
    return new UpstreamError(`${provider} sent no answer${limit}`, { code: 'upstream_timeout', detail });
  }
  if (err instanceof undiciErrors.BodyTimeoutError) {
    const limit = place ? ` for ${place.limits.idle} ms (timeouts.idle_ms)` : '';
    return new UpstreamError(`${provider} went silent mid-answer${limit}`, { code: 'upstream_timeout', detail });
  }
  const code = errorCode(err);
  const message = answering
    ? `the connection to ${provider} broke off mid-answer (${code})`
    : `could not connect to ${provider} (${code})`;
  return new UpstreamError(message, { code: 'upstream_connection_error', detail });
}

export function upstreamTimeout(place: UpstreamPlace, what: string): UpstreamError {
  return new UpstreamError(`provider '${place.provider}' ${what}`, { code: 'upstream_timeout' });
}

/** `ECONNREFUSED`, `ENOTFOUND`, `UND_ERR_SOCKET`…: the error's own code, or its cause's, or its name. */
function errorCode(err: unknown): string {
  const own = (err as { code?: unknown } | null)?.code;
  if (typeof own === 'string' && own) return own;
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (typeof cause === 'string' && cause) return cause;
  return err instanceof Error ? err.name : 'unknown error';
}

function causeOf(err: Error): string {
  const c = (err as { cause?: unknown }).cause;
  return c instanceof Error ? ` (${c.message})` : '';
}
