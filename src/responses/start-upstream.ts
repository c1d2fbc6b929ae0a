/**
 * Starting the upstream call, with failover: per-provider retries (exponential backoff with jitter, honouring
 * `retry-after`) on 429 / 5xx / connection errors / timeouts, then the next route of the model's fallback list.
 * All of it happens before the first byte goes to the client: a start counts as successful only once the
 * provider has produced its first event, so an error the vendor reports as the first stream event (Anthropic's
 * `overloaded_error`, say) fails over too. All attempts share one deadline: once it passes, the attempt still
 * waiting is abandoned and no other starts (504 `upstream_timeout`), so retries of a hung provider cannot keep a
 * client waiting for several timeouts in a row.
 */
import { Cancellation, type CancelSignal } from '../api/cancellation.js';
import { ApiError, UpstreamError } from '../api/errors.js';
import type { CreateParams } from '../api/create-params.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import type { Route } from '../providers/registry.js';
import type { ModelEvent, ModelRequest } from '../providers/types.js';

export interface PreparedRoute extends Route {
  /** The request fields after the provider's support check (dropped ones removed). */
  params: CreateParams;
  dropped: string[];
  /** Hosted tool types left out because neither the provider nor Switchboard runs them (hosted-tools.ts). */
  omitted: string[];
  /** Offered hosted tool types Switchboard runs for this route (its model sees them as functions). */
  serverRun: ReadonlySet<string>;
  /** `params` with tool_choice none: the agent loop's last turn once max_tool_calls is spent. */
  noToolParams?: CreateParams;
}

export interface Started {
  route: PreparedRoute;
  events: AsyncIterable<ModelEvent>;
  /** The attempt on `route` that started (1 = the first). */
  attempt: number;
  /** One line per failed attempt, for tests. */
  attempts: string[];
}

/** How long to wait for a model's first event before committing to it (and sending response headers). */
export const FAILOVER_WINDOW_MS = 10_000;

export type Sleep = (ms: number, signal: CancelSignal) => Promise<void>;

export interface StartOptions {
  /** All attempts end this long after the first began (ms); none when absent. */
  deadlineMs?: number;
  /** Where retry / failover / upstream-error lines go, tagged with `requestId`. */
  log?: Logger;
  requestId?: string;
  sleep?: Sleep;
}

/**
 * `build` gets the signal the attempt must use: it follows the client's `signal` and also fires when the
 * deadline passes before a start. After the start it only follows the client.
 */
export async function startUpstream(
  routes: PreparedRoute[],
  build: (route: PreparedRoute, signal: CancelSignal) => Promise<ModelRequest>,
  signal: CancelSignal,
  opts: StartOptions = {},
): Promise<Started> {
  const sleep = opts.sleep ?? abortableSleep;
  const attempts: string[] = [];
  const attemptSignal = new Cancellation();
  const forward = () => attemptSignal.cancel();
  signal.addEventListener('abort', forward);
  let timedOut = false;
  const deadline = opts.deadlineMs === undefined ? null : setTimeout(() => { timedOut = true; attemptSignal.cancel(); }, opts.deadlineMs);
  const endsAt = opts.deadlineMs === undefined ? Infinity : Date.now() + opts.deadlineMs;
  const deadlineError = () => new UpstreamError(
    `no model answered within the ${opts.deadlineMs} ms deadline for starting a response (server.upstream_deadline_ms)`,
    { code: 'upstream_timeout' },
  );
  const log = (level: 'warn' | 'info', msg: string, route: PreparedRoute, attempt: number, extra: Record<string, unknown>) =>
    opts.log?.[level]({ request_id: opts.requestId, provider: route.config.name, model: route.model, attempt, ...extra }, msg);

  let lastError: unknown = null;
  try {
    for (const [r, route] of routes.entries()) {
      const policy = route.config.retry ?? DEFAULT_RETRY;
      let attempt = 0;
      for (; attempt <= policy.max; attempt++) {
        if (timedOut) throw lastError ?? deadlineError();
        try {
          const events = await primed(await route.provider.stream(await build(route, attemptSignal)), FAILOVER_WINDOW_MS);
          return { route, events, attempt: attempt + 1, attempts };
        } catch (caught) {
          if (caught instanceof ApiError || signal.aborted) throw caught; // a client mistake, or nobody is listening
          const err = timedOut ? deadlineError() : caught;
          lastError = err;
          const e = err instanceof UpstreamError ? err : null;
          attempts.push(`${route.routed} attempt ${attempt + 1}: ${e ? `${e.code} ${e.message}` : String(err)}`);
          log('warn', 'upstream error', route, attempt + 1, {
            status: e?.upstreamStatus ?? null, code: e?.code ?? 'error', ...(e?.detail ? { detail: e.detail } : {}),
          });
          if (timedOut) throw err;
          if (!e || !isRetryable(e) || attempt === policy.max) break;
          const wait = backoff(policy, attempt, e.retryAfter);
          // The upstream asks for a longer pause than we would hold the client for, or than the deadline leaves.
          if (wait === null || Date.now() + wait >= endsAt) break;
          log('info', 'upstream retry', route, attempt + 2, { status: e.upstreamStatus, code: e.code, delay_ms: Math.round(wait) });
          await sleep(wait, signal);
          if (signal.aborted) throw err;
        }
      }
      const next = routes[r + 1];
      if (next && lastError !== null) {
        const e = lastError instanceof UpstreamError ? lastError : null;
        log('warn', 'upstream failover', route, Math.min(attempt + 1, policy.max + 1), {
          status: e?.upstreamStatus ?? null, code: e?.code ?? 'error', to_provider: next.config.name, to_model: next.model,
        });
      }
    }
    throw lastError;
  } catch (err) {
    signal.removeEventListener('abort', forward);
    throw err;
  } finally {
    if (deadline) clearTimeout(deadline);
  }
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
