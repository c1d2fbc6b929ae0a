/**
 * A run: one response's execution, as a thing rather than a closure. It owns its cancellation (RunControl),
 * its ResponseBuilder, its turn and its event log, and has subscribers: the SSE writer of the request that
 * started it, readers that resume it at `starting_after`, later a WebSocket. It outlives the request that made
 * it when it is a background run.
 *
 * This is the one place that orders the end of every response, whatever the transport: the turn ends, each
 * subscriber is told the commit is next (`settling`), the response is committed (RunHost.commit: one
 * transaction), and only then does the terminal event go out, so a client that chains on it never races the
 * write. A response that cannot be stored ends `response.failed` instead of a stored success.
 *
 * Events are numbered from 0 and logged in order (EventLog), so a subscriber that joins late is replayed the
 * events after its `starting_after` from the log and then follows the live ones: each event exactly once.
 */
import { UpstreamError } from '../api/errors.js';
import { presentItem, presentResponse, responseJsonParts, type ResponseObject } from '../api/response-object.js';
import { EventLog } from '../store/event-log.js';
import { EventJson } from './event-json.js';
import { ResponseBuilder, type StreamEvent } from './response-builder.js';
import { RunStoppedError, type RunControl } from './run-control.js';
import type { TurnOutcome } from './run-turn.js';

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

export interface RunSubscriber {
  /** One event, already serialized (`type` is its `type`). */
  event(type: string, json: string): void;
  /** The turn is over: only the commit is left before the terminal event. */
  settling?(): void;
  /** The stream is over (after its terminal event, if it has one: a cancelled response has none). */
  end?(): void;
}

/** What the service gives a run: where it is committed, and how it leaves memory. */
export interface RunHost {
  /** Whether the response is stored (`store: false`: never committed). */
  readonly store: boolean;
  /** Commits the final Response, its items and its event log in one transaction; throws when it could not. */
  commit(response: ResponseObject, eventLog: string | null, json: { response: string; output: string[] } | undefined): Promise<void>;
  /** The run is over: it leaves the registry and the store's memory. */
  settle(): void;
}

export interface RunResult {
  response: ResponseObject;
  error: UpstreamError | null;
  cancelled: boolean;
  /** Not streamed and stored (or not storing): the client's answer, already serialized. */
  json?: string;
}

export type RunState = 'queued' | 'running' | 'settling' | 'done';

export class Run {
  readonly builder: ResponseBuilder;
  /** The events made so far (null when nobody can read them: a foreground response that is not streamed). */
  private readonly log: EventLog | null;
  private readonly eventJson: EventJson | null;
  private primary: RunSubscriber | null = null;
  private followers: Set<RunSubscriber> | null = null;
  /** The terminal event, kept back until the commit. */
  private held: { type: string; json: string } | null = null;
  /** How many logged events went out to subscribers (all but a held terminal event). */
  private delivered = 0;
  private stateNow: RunState = 'running';
  private result: RunResult | null = null;
  private waiters: ((r: RunResult) => void)[] | null = null;

  constructor(
    readonly response: ResponseObject,
    readonly control: RunControl,
    private readonly host: RunHost,
    opts: { events: boolean; includeEncrypted: boolean; maxToolCalls: number | null; providerKind?: string },
  ) {
    this.includeEncrypted = opts.includeEncrypted;
    this.log = opts.events ? new EventLog() : null;
    this.eventJson = opts.events ? new EventJson() : null;
    this.builder = new ResponseBuilder(response, opts.events ? (e) => this.emit(e) : null, {
      includeEncrypted: opts.includeEncrypted, maxToolCalls: opts.maxToolCalls, providerKind: opts.providerKind,
    });
  }

  private readonly includeEncrypted: boolean;

  get id(): string {
    return this.response.id;
  }

  get state(): RunState {
    return this.stateNow;
  }

  /** A background run waiting for a worker: `response.created` + `response.queued`. */
  queue(): void {
    this.stateNow = 'queued';
    this.builder.queued();
  }

  /**
   * Runs the turn (`turn` drives the builder: the model call), commits, then sends the terminal event. `primary`
   * is the subscriber of the request that started it (null for a background run nobody streams). Never throws.
   */
  async execute(primary: RunSubscriber | null, turn: (builder: ResponseBuilder) => Promise<TurnOutcome>): Promise<RunResult> {
    if (primary) this.primary = primary;
    this.stateNow = 'running';
    let outcome: RunResult;
    try {
      this.builder.start();
      outcome = await turn(this.builder);
      // Deleted after its upstream finished but before its write began: it must not be stored.
      if (this.control.stopReason === 'deleted' && !(outcome.error instanceof RunStoppedError)) {
        outcome = this.failAfterTurn(outcome.response, new RunStoppedError('deleted'));
      }
      const deleted = outcome.error instanceof RunStoppedError && outcome.error.reason === 'deleted';
      // Not streamed: the finished Response is serialized once, for its stored row and the client's answer.
      const serialized = this.log || deleted ? null : serializeFinal(outcome.response, this.includeEncrypted);
      if (this.host.store && !deleted) {
        this.stateNow = 'settling';
        this.primary?.settling?.();
        try {
          await this.host.commit(outcome.response, this.log?.serialize(outcome.response, this.includeEncrypted) ?? null, serialized?.stored);
        } catch (err) {
          // The transaction rolled back: say so instead of reporting a stored success.
          const message = `The response could not be stored: ${err instanceof Error ? err.message : String(err)}`;
          outcome = this.failAfterTurn(outcome.response, new UpstreamError(message, { code: 'store_error', status: 500 }));
        }
      }
      // A store failure changed the Response (and the client gets an error instead).
      if (serialized && !outcome.error) outcome = { ...outcome, json: serialized.client };
    } catch (err) {
      // A defect between the start and the store: the response is stored nowhere and its client is told.
      outcome = this.failAfterTurn(this.response, new UpstreamError(`The server had an error while processing the response: ${err instanceof Error ? err.message : String(err)}`, { code: 'server_error', status: 500 }));
    }
    this.end(outcome);
    return outcome;
  }

  /**
   * Follows the run from the event after `startingAfter`: the logged events are replayed at once, then the live
   * ones follow, the terminal event last. False when the run makes no events (nothing to follow).
   */
  subscribe(startingAfter: number, sub: RunSubscriber): boolean {
    const log = this.log;
    if (!log) return false;
    for (let seq = Math.max(0, startingAfter + 1); seq < this.delivered; seq++) {
      const json = log.jsonAt(seq);
      sub.event(typeOf(json), json);
    }
    if (this.stateNow === 'done') {
      sub.end?.();
      return true;
    }
    (this.followers ??= new Set()).add(sub);
    return true;
  }

  unsubscribe(sub: RunSubscriber): void {
    this.followers?.delete(sub);
  }

  /** Resolves with the run's result once it is committed and its subscribers are told. */
  done(): Promise<RunResult> {
    if (this.result) return Promise.resolve(this.result);
    return new Promise((resolve) => (this.waiters ??= []).push(resolve));
  }

  /** Gives the run up without executing it (its caller failed before it could): it leaves memory. */
  discard(): void {
    this.host.settle();
  }

  /**
   * A queued run this process will not execute (it is shutting down; the run stays queued in the store for the
   * next start): it leaves memory, and its followers' streams end without a terminal event.
   */
  abandon(): void {
    this.end({ response: this.response, error: null, cancelled: false });
  }

  private emit(e: StreamEvent): void {
    const json = this.eventJson!.of(e);
    this.log!.add(e, json);
    if (TERMINAL.has(e.type)) {
      this.held = { type: e.type, json };
      return;
    }
    this.delivered++;
    this.primary?.event(e.type, json);
    if (this.followers) for (const f of this.followers) f.event(e.type, json);
  }

  /** Ends the response failed after its turn (store error, deleted, a throw): its subscribers are told instead. */
  private failAfterTurn(res: ResponseObject, e: UpstreamError): RunResult {
    res.status = 'failed';
    res.error = { code: e.code, message: e.message };
    if (this.log) {
      const seq = this.held ? this.delivered : this.log.size;
      const failed = { type: 'response.failed', sequence_number: seq, response: presentResponse(res, this.includeEncrypted) };
      this.held = { type: failed.type, json: JSON.stringify(failed) };
    }
    return { response: res, error: e, cancelled: false };
  }

  private end(result: RunResult): void {
    this.host.settle();
    this.result = result;
    this.stateNow = 'done';
    const held = this.held;
    if (held) {
      // The log's copy too: a follower that joins now replays it from memory as sent.
      if (this.delivered < this.log!.size) this.log!.replaceLast(held.json);
      else this.log!.add({ type: held.type, sequence_number: this.delivered }, held.json);
      this.delivered++;
      this.primary?.event(held.type, held.json);
    }
    const followers = this.followers;
    this.followers = null;
    if (followers) {
      for (const f of followers) {
        if (held) f.event(held.type, held.json);
        f.end?.();
      }
    }
    this.primary = null;
    const waiters = this.waiters;
    this.waiters = null;
    if (waiters) for (const w of waiters) w(result);
  }
}

/** An event's `type`, from its JSON (replay only: live events carry theirs). */
function typeOf(json: string): string {
  return (JSON.parse(json) as { type: string }).type;
}

/**
 * A finished Response as JSON, serialized once: its stored row (output `[]`) and its items for the store, and
 * the client's answer (`presentResponse`'s JSON: the same items, unless `include` hides something).
 */
function serializeFinal(r: ResponseObject, includeEncrypted: boolean): { stored: { response: string; output: string[] }; client: string } | null {
  const parts = responseJsonParts(r);
  if (!parts) return null;
  const output = r.output.map((item) => JSON.stringify(item));
  const shown = r.output.map((item, k) => {
    const p = presentItem(item, includeEncrypted);
    return p === item ? output[k] : JSON.stringify(p);
  });
  return { stored: { response: `${parts.head}[]${parts.tail}`, output }, client: `${parts.head}[${shown.join(',')}]${parts.tail}` };
}
