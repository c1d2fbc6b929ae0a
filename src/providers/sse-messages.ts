/**
 * Server-sent events from an upstream body: framing (eventsource-parser), the first-event and event-gap
 * watch (keep-alive comments are no event), and one `data:` payload as JSON.
 */
import type { CancelSignal } from '../api/cancellation.js';
import { StringDecoder } from 'node:string_decoder';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { UpstreamError } from '../api/errors.js';
import { toUpstreamError, type UpstreamPlace } from './upstream-errors.js';

export interface SseMessage { event: string | undefined; data: string }

/** How an SSE stream is timed (see UpstreamClient.postSse). */
export interface StreamWatch {
  /** Ends the request; the error surfaces from the body. */
  abort(err: Error): void;
  /** Epoch ms by which the first event must have arrived (Infinity: no limit). */
  firstEventBy: number;
  firstEventLate(): UpstreamError;
  /**
   * The longest gap between events once one has come (0: no limit): SSE comments keep the bytes flowing, but
   * are no event.
   */
  eventGapMs: number;
  eventGapLate(): UpstreamError;
  place?: UpstreamPlace;
  /** An event type that is timed like a comment (Anthropic's `ping`). */
  keepAliveEvent?: string;
}

/**
 * Frames an SSE body into messages; body errors (timeouts, resets) surface as UpstreamError. With `watch`,
 * a stream that sends no event in time (only `: keep-alive` comments, say) is ended with the watch's error.
 */
export async function* sseMessages(body: AsyncIterable<Buffer>, signal?: CancelSignal, watch?: StreamWatch): AsyncGenerator<SseMessage> {
  const queue: SseMessage[] = [];
  let sawEvent = false;
  const keepAlive = watch?.keepAliveEvent;
  const parser = createParser({
    onEvent: (m: EventSourceMessage) => {
      queue.push({ event: m.event, data: m.data });
      if (keepAlive === undefined || m.event !== keepAlive) sawEvent = true;
    },
  });
  const decoder = new StringDecoder('utf8');
  /** When the last event came (0: none yet), and whether we are waiting on the upstream (not on our reader). */
  let lastEvent = 0;
  let reading = false;
  let timer: NodeJS.Timeout | null = null;
  const due = () => (lastEvent ? (watch!.eventGapMs > 0 ? lastEvent + watch!.eventGapMs : Infinity) : watch!.firstEventBy);
  const check = () => {
    const now = Date.now();
    if (reading && now >= due()) {
      timer = null;
      watch!.abort(lastEvent ? watch!.eventGapLate() : watch!.firstEventLate());
      return;
    }
    // A reader that is slow to take the next event is not a silent upstream.
    if (!reading && lastEvent) lastEvent = now;
    arm(Math.max(due() - now, 50));
  };
  /** Infinity (a limit of 0: none) leaves no timer running. */
  const arm = (ms: number) => {
    timer = Number.isFinite(ms) ? setTimeout(check, ms) : null;
    timer?.unref();
  };
  if (watch) arm(Math.max(watch.firstEventBy - Date.now(), 0));
  const it = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      reading = true;
      const next = await it.next();
      reading = false;
      if (next.done) break;
      parser.feed(decoder.write(next.value));
      if (sawEvent && watch) {
        sawEvent = false;
        if (!lastEvent) {
          // The first event: from now on the (maybe shorter) gap between events is what is timed.
          if (timer) clearTimeout(timer);
          arm(watch.eventGapMs > 0 ? watch.eventGapMs : Infinity);
        }
        lastEvent = Date.now();
      }
      while (queue.length) yield queue.shift()!;
    }
  } catch (err) {
    throw toUpstreamError(err, signal, watch?.place, true);
  } finally {
    if (timer) clearTimeout(timer);
    reading = false;
    await it.return?.();
  }
  parser.feed(decoder.end());
  while (queue.length) yield queue.shift()!;
}

/** One SSE `data:` payload as a JSON object; anything else is the upstream's fault (`upstream_bad_response`). */
export function parseJsonChunk<T>(data: string): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    throw new UpstreamError(`upstream sent a malformed stream chunk: ${data.slice(0, 200)}`, { code: 'upstream_bad_response' });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UpstreamError(`upstream sent an unexpected stream chunk: ${data.slice(0, 200)}`, { code: 'upstream_bad_response' });
  }
  return parsed as T;
}
