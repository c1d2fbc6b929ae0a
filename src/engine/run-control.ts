/**
 * What can stop a running response, and the registry of running responses that a shutdown drains.
 *
 * A run stops when its client goes away (it is then stored `cancelled`, as before), when a DELETE removes it
 * while it runs (it ends `failed` with `response_deleted` and is stored nowhere), or when the server shuts
 * down past its grace period (it ends `failed` with `server_shutdown`, stored with the output so far). The two
 * server-side reasons end the stream with `response.failed`: every Responses client already treats that event
 * as the end of a response that will not complete, whereas a `cancelled` response has no terminal event at all
 * (its client is gone by definition).
 */
import { ApiError, UpstreamError } from '../api/errors.js';
import { Cancellation, type CancelSignal } from '../api/cancellation.js';

export type StopReason = 'deleted' | 'shutdown';

/** A run ended by the server rather than by its upstream: the envelope a waiting (not streamed) client gets. */
export class RunStoppedError extends UpstreamError {
  constructor(readonly reason: StopReason) {
    super(
      reason === 'deleted'
        ? 'The response was deleted while it was running.'
        : 'The server is shutting down; the response was ended before it completed.',
      { code: reason === 'deleted' ? 'response_deleted' : 'server_shutdown' },
    );
  }

  override toApiError(): ApiError {
    // A deleted response was deleted on purpose: the SDK must not create it again. A shutdown is worth the SDK's
    // retry: behind a load balancer it reaches another instance.
    return this.reason === 'deleted'
      ? new ApiError(409, this.message, { code: this.code, headers: { 'x-should-retry': 'false' } })
      : new ApiError(503, this.message, { type: 'server_error', code: this.code });
  }
}

/** One running response's cancellation: its client's signal, or a stop by the server. */
export class RunControl extends Cancellation {
  private reason: StopReason | null = null;

  constructor(client: CancelSignal) {
    super();
    if (client.aborted) this.cancel();
    else client.addEventListener('abort', () => this.cancel());
  }

  stop(reason: StopReason): void {
    if (this.aborted) return;
    this.reason = reason;
    this.cancel();
  }

  get stopReason(): StopReason | null {
    return this.reason;
  }

  /** The error the response ends with when the server stopped it; null when it runs on or its client left. */
  stopError(): RunStoppedError | null {
    return this.reason ? new RunStoppedError(this.reason) : null;
  }
}

/** How long stopped runs get to store themselves and send their terminal event before the process goes. */
const STOPPED_RUNS_WAIT_MS = 5_000;

/** The running responses of this process, so a shutdown can let them finish, then stop the rest. */
export class RunRegistry {
  private readonly runs = new Set<RunControl>();
  private idle: (() => void)[] = [];
  private stopping = false;

  add(run: RunControl): void {
    this.runs.add(run);
    // Started after the grace period ran out (its request was already being read): it does not get to run.
    if (this.stopping) run.stop('shutdown');
  }

  delete(run: RunControl): void {
    if (!this.runs.delete(run) || this.runs.size) return;
    const waiters = this.idle;
    this.idle = [];
    for (const w of waiters) w();
  }

  /**
   * Lets running responses finish for up to `graceMs`, then stops the rest (`server_shutdown`) and waits for
   * them to be stored and answered.
   */
  async drain(graceMs: number): Promise<void> {
    await this.whenIdle(graceMs);
    this.stopping = true;
    for (const run of this.runs) run.stop('shutdown');
    await this.whenIdle(STOPPED_RUNS_WAIT_MS);
  }

  private whenIdle(maxMs: number): Promise<void> {
    if (!this.runs.size) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, maxMs);
      this.idle.push(() => { clearTimeout(timer); resolve(); });
    });
  }
}
