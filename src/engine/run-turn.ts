/**
 * One response's model work: feed the provider's ModelEvents to the ResponseBuilder and end the response as
 * completed / incomplete / failed / cancelled. When the request asks for structured output, the attempt is
 * held back until its final text validates; an invalid answer gets one repair attempt (the model sees its
 * answer and the validation errors), then the response fails with `structured_output_invalid` — never invalid
 * JSON reported as completed.
 *
 * With server-side tools (tools/tool-session.ts) this is the agent loop: a model turn whose calls Switchboard
 * runs is followed by the calls (concurrently), then another model turn that sees them and their results, until
 * the model answers, calls a client-side tool, asks for an approval, or the turn cap is reached (`incomplete`,
 * reason `max_tool_turns`). Once `max_tool_calls` is spent, the next turn is asked to answer without tools.
 * Every turn's items are output items of the one response, in order; usage adds up.
 */
import type { CancelSignal } from '../api/cancellation.js';
import { UpstreamError } from '../api/errors.js';
import type { TextFormat } from '../api/create-params.js';
import type { Item } from '../api/items.js';
import type { ResponseObject } from '../api/response-object.js';
import type { ModelEvent } from '../providers/types.js';
import type { ResponseBuilder } from './response-builder.js';
import { checkStructuredOutput, finalText, repairPrompt, wantsJson } from './structured-output.js';
import type { ToolSession } from '../tools/tool-session.js';

export type TurnOutcome = { response: ResponseObject; error: UpstreamError | null; cancelled: boolean };

export interface TurnOptions {
  signal: CancelSignal;
  format?: TextFormat | null;
  /**
   * Starts another provider call with `extra` items appended to the response's input (the loop's output so
   * far, a repair attempt); `noTools`: the model must answer without calling a tool (tool_choice none).
   */
  restart(extra: Item[], noTools?: boolean): Promise<AsyncIterable<ModelEvent>>;
  /** The response's server-side tools, when it has any. */
  tools?: ToolSession | null;
  /**
   * Why the signal fired when the server, not the client, stopped the run: the response then fails with this
   * error (its client is still there to be told) instead of ending `cancelled`.
   */
  stopped?(): UpstreamError | null;
  /**
   * Back-pressure from the client: null when it can take more, else a promise that settles when it can (or
   * when it is gone). The upstream is not read meanwhile, so a slow reader slows the upstream's TCP stream
   * instead of growing the server's memory.
   */
  ready?(): Promise<void> | null;
}

/** Runs the turn to its end; never throws. */
export async function runTurn(events: AsyncIterable<ModelEvent>, builder: ResponseBuilder, opts: TurnOptions): Promise<TurnOutcome> {
  const format = wantsJson(opts.format) ? opts.format : null;
  const tools = opts.tools ?? null;
  if (tools) builder.setAnnotator((text) => tools.annotate(text));
  /** What the model has produced so far in this response, as the next call's extra input. */
  let sofar: Item[] = [];
  let noTools = false;
  for (let repairs = 0; ;) {
    if (format) builder.hold();
    const drained = await drain(events, builder, opts, tools);
    if (tools && drained === 'ok' && tools.pending > 0) {
      if (format) builder.release();
      builder.nextTurn();
      try {
        await tools.runPending(builder, opts.signal);
      } catch (err) {
        if (opts.signal.aborted) return cancelled(builder, opts);
        return failed(builder, new UpstreamError(`A server-side tool failed: ${err instanceof Error ? err.message : String(err)}`, { code: 'server_error' }));
      }
      if (opts.signal.aborted) return cancelled(builder, opts);
      if (tools.mustStop) return { response: builder.finish(), error: null, cancelled: false };
      if (!tools.takeTurn()) return { response: builder.stopIncomplete('max_tool_turns'), error: null, cancelled: false };
      sofar = tools.nextInput(builder.response.output);
      noTools = !builder.toolCallsLeft;
      try {
        events = await opts.restart(sofar, noTools);
      } catch (err) {
        return opts.signal.aborted ? cancelled(builder, opts) : failed(builder, asUpstreamError(err));
      }
      continue;
    }
    if (format) {
      if (drained === 'ok' && builder.finish_reason === 'stop') {
        builder.settle();
        const text = finalText(builder.heldItems());
        const check = text === null ? { ok: true as const } : checkStructuredOutput(format, text);
        if (!check.ok) {
          if (repairs >= 1) {
            builder.release();
            const message = `The model's output did not match the requested ${format.type} format after one repair attempt: ${check.errors}`;
            return failed(builder, new UpstreamError(message, { code: 'structured_output_invalid' }));
          }
          repairs++;
          const invalid = builder.discard();
          try {
            events = await opts.restart([
              ...sofar,
              ...invalid,
              { type: 'message', role: 'user', content: [{ type: 'input_text', text: repairPrompt(check.errors) }] },
            ], noTools);
          } catch (err) {
            return opts.signal.aborted ? cancelled(builder, opts) : failed(builder, asUpstreamError(err));
          }
          continue;
        }
      }
      builder.release();
    }
    if (drained === 'cancelled') return cancelled(builder, opts);
    if (drained !== 'ok') return failed(builder, drained);
    return { response: builder.finish(), error: null, cancelled: false };
  }
}

async function drain(events: AsyncIterable<ModelEvent>, builder: ResponseBuilder, opts: TurnOptions, tools: ToolSession | null): Promise<'ok' | 'cancelled' | UpstreamError> {
  const { signal } = opts;
  try {
    for await (const ev of events) {
      if (signal.aborted) break;
      if (!tools || !tools.intercept(ev, builder)) builder.apply(ev);
      const paused = opts.ready?.();
      if (paused) await untilReadyOrAborted(paused, signal);
    }
  } catch (err) {
    return signal.aborted ? 'cancelled' : asUpstreamError(err);
  }
  return signal.aborted ? 'cancelled' : 'ok';
}

function failed(builder: ResponseBuilder, e: UpstreamError): TurnOutcome {
  return { response: builder.fail(e.code, e.message), error: e, cancelled: false };
}

function cancelled(builder: ResponseBuilder, opts: TurnOptions): TurnOutcome {
  const stop = opts.stopped?.();
  if (stop) return failed(builder, stop);
  return { response: builder.cancel(), error: null, cancelled: true };
}

/** A paused client's readiness, cut short by a stop (a DELETE or shutdown must not wait for a reader). */
function untilReadyOrAborted(ready: Promise<void>, signal: CancelSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => { signal.removeEventListener('abort', done); resolve(); };
    signal.addEventListener('abort', done, { once: true });
    ready.then(done, done);
  });
}

function asUpstreamError(err: unknown): UpstreamError {
  return err instanceof UpstreamError ? err : new UpstreamError(err instanceof Error ? err.message : String(err), { code: 'upstream_error' });
}
