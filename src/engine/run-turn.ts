/**
 * One model turn: start the provider stream, feed its ModelEvents to the ResponseBuilder, and end the
 * response as completed / incomplete / failed / cancelled. Server-side tools (a later issue) will loop here.
 */
import { UpstreamError } from '../api/errors.js';
import type { ResponseObject } from '../api/response-object.js';
import type { ModelEvent } from '../providers/types.js';
import type { ResponseBuilder } from './response-builder.js';

export type TurnOutcome = { response: ResponseObject; error: UpstreamError | null; cancelled: boolean };

/** Pumps an already-started provider stream into the builder; never throws. */
export async function pumpModelEvents(events: AsyncIterable<ModelEvent>, builder: ResponseBuilder, signal: AbortSignal): Promise<TurnOutcome> {
  try {
    for await (const ev of events) {
      if (signal.aborted) break;
      builder.apply(ev);
    }
  } catch (err) {
    if (signal.aborted) return { response: builder.cancel(), error: null, cancelled: true };
    const e = err instanceof UpstreamError ? err : new UpstreamError(err instanceof Error ? err.message : String(err), { code: 'upstream_error' });
    return { response: builder.fail(e.code, e.message), error: e, cancelled: false };
  }
  if (signal.aborted) return { response: builder.cancel(), error: null, cancelled: true };
  return { response: builder.finish(), error: null, cancelled: false };
}
