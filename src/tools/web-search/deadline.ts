import type { CancelSignal } from '../../api/cancellation.js';

/** One AbortSignal that fires when the caller cancels or `ms` pass, and which of the two it was. */
export interface Deadline {
  readonly signal: AbortSignal;
  timedOut(): boolean;
  cancelled(): boolean;
  /** Drop the timer and the listener on the caller's signal. */
  done(): void;
}

export function deadline(caller: CancelSignal | undefined, ms: number): Deadline {
  const ac = new AbortController();
  let timedOut = false;
  let cancelled = false;
  const onCancel = () => {
    cancelled = true;
    ac.abort();
  };
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort();
  }, ms);
  if (caller?.aborted) onCancel();
  else caller?.addEventListener('abort', onCancel, { once: true });
  return {
    signal: ac.signal,
    timedOut: () => timedOut && !cancelled,
    cancelled: () => cancelled,
    done: () => {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onCancel);
    },
  };
}
