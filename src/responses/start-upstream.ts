/**
 * Starting the upstream call, with failover: per-provider retries (exponential backoff with jitter, honouring
 * `retry-after`) on 429 / 5xx / connection errors / timeouts, then the next route of the model's fallback list.
 * All of it happens before the first byte goes to the client: a start counts as successful only once the
 * provider has produced its first event, so an error the vendor reports as the first stream event (Anthropic's
 * `overloaded_error`, say) fails over too.
 */
import type { CancelSignal } from '../api/cancellation.js';
import { ApiError, UpstreamError } from '../api/errors.js';
import type { CreateParams } from '../api/create-params.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../config/types.js';
import type { Route } from '../providers/registry.js';
import type { ModelEvent, ModelRequest } from '../providers/types.js';

export interface PreparedRoute extends Route {
  /** The request fields after the provider's support check (dropped ones removed). */
  params: CreateParams;
  dropped: string[];
  /** Hosted tool types left out because neither the provider nor Switchboard runs them (hosted-tools.ts). */
  omitted: string[];
}

export interface Started {
  route: PreparedRoute;
  events: AsyncIterable<ModelEvent>;
  /** One line per failed attempt, for logs and tests. */
  attempts: string[];
}

/** How long to wait for a model's first event before committing to it (and sending response headers). */
export const FAILOVER_WINDOW_MS = 10_000;

export type Sleep = (ms: number, signal: CancelSignal) => Promise<void>;

export async function startUpstream(
  routes: PreparedRoute[],
  build: (route: PreparedRoute) => Promise<ModelRequest>,
  signal: CancelSignal,
  sleep: Sleep = abortableSleep,
): Promise<Started> {
  const attempts: string[] = [];
  let lastError: unknown = null;
  for (const route of routes) {
    const policy = route.config.retry ?? DEFAULT_RETRY;
    for (let attempt = 0; attempt <= policy.max; attempt++) {
      try {
        const events = await primed(await route.provider.stream(await build(route)), FAILOVER_WINDOW_MS);
        return { route, events, attempts };
      } catch (err) {
        if (err instanceof ApiError || signal.aborted) throw err; // a client mistake, or nobody is listening
        lastError = err;
        const e = err instanceof UpstreamError ? err : null;
        attempts.push(`${route.routed} attempt ${attempt + 1}: ${e ? `${e.code} ${e.message}` : String(err)}`);
        if (!e || !isRetryable(e) || attempt === policy.max) break;
        const wait = backoff(policy, attempt, e.retryAfter);
        if (wait === null) break; // the upstream asks for a longer pause than we would hold the client for
        await sleep(wait, signal);
        if (signal.aborted) throw err;
      }
    }
  }
  throw lastError;
}

export function isRetryable(e: UpstreamError): boolean {
  const s = e.upstreamStatus;
  if (s === 429 || s === 408 || (s !== null && s >= 500)) return true;
  return e.code === 'upstream_connection_error' || e.code === 'upstream_timeout';
}

/** Full-jitter exponential backoff; `retry-after` (seconds or an HTTP date) wins when present. */
export function backoff(policy: RetryPolicy, attempt: number, retryAfter: string | null): number | null {
  if (retryAfter) {
    const seconds = Number(retryAfter);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - Date.now();
    if (Number.isFinite(ms)) return ms > policy.maxRetryAfterMs ? null : Math.max(0, ms);
  }
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return cap / 2 + Math.random() * (cap / 2);
}

/**
 * Waits for the first event, so a failure before any output is still a failed *start* that can fail over —
 * but no longer than `windowMs`: a model that thinks silently for minutes must not keep the client without
 * response headers (and keep-alives) that long. Past the window, the pending first event is passed on.
 */
async function primed(events: AsyncIterable<ModelEvent>, windowMs: number): Promise<AsyncIterable<ModelEvent>> {
  const it = events[Symbol.asyncIterator]();
  const first = it.next();
  let timer: NodeJS.Timeout | undefined;
  const windowClosed = new Promise<'window'>((resolve) => { timer = setTimeout(() => resolve('window'), windowMs); });
  try {
    await Promise.race([first, windowClosed]);
  } finally {
    clearTimeout(timer);
  }
  let sentFirst = false;
  return {
    [Symbol.asyncIterator]() {
      return {
        next() {
          if (!sentFirst) {
            sentFirst = true;
            return first;
          }
          return it.next();
        },
        return(value?: unknown) {
          return it.return ? it.return(value) : Promise.resolve({ done: true as const, value: undefined });
        },
      };
    },
  };
}

function abortableSleep(ms: number, signal: CancelSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
