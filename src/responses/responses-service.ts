/**
 * The Responses resource: create (sync or streamed), retrieve, delete, cancel, input items.
 * HTTP-agnostic: the http/ layer turns a Run's events into SSE frames or one JSON body.
 */
import { randomBytes } from 'node:crypto'; // [context]
import type { CancelSignal } from '../api/cancellation.js';
import { ApiError, notFound, UpstreamError } from '../api/errors.js';
import type { CreateParams } from '../api/create-params.js';
import { newId } from '../api/ids.js';
import type { Item } from '../api/items.js';
import { initialResponse, presentItem, presentResponse, responseJsonParts, type ResponseObject } from '../api/response-object.js';
import { EventLog } from '../store/event-log.js';
import { EventJson } from '../engine/event-json.js';
import { ResponseBuilder, type StreamEvent } from '../engine/response-builder.js';
import { resolveContent } from '../content/resolve-content.js';
import type { SafeFetcher } from '../content/safe-fetch.js';
import { reasoningStateFor } from '../engine/reasoning-state.js';
import type { FileService } from '../files/file-service.js';
import { runTurn } from '../engine/run-turn.js';
import { fetchRemoteFor, type ProviderRegistry, type Route } from '../providers/registry.js';
import type { ModelRequest } from '../providers/types.js';
import { startUpstream, type PreparedRoute, type Started } from './start-upstream.js';
import type { RequestContext } from '../store/request-context.js';
import type { ResponseStore, StoredResponse } from '../store/response-store.js';
import { assembleHistory } from './assemble-history.js';
import { normalizeInput } from './normalize-input.js';
import { checkParamSupport } from './param-support.js';
import { RunControl, RunRegistry, RunStoppedError } from './run-control.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { checkNotAConversationTurn, type ConversationService, type ConversationTurn } from '../conversations/conversation-service.js'; // conversations
import { ContextManager, leadWith, type PreparedContext } from '../context/context-manager.js'; // [context]
import { DEFAULT_CONTEXT_WINDOW } from '../config/types.js'; // [context]

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

export interface Run {
  readonly response: ResponseObject;
  /** Parameters dropped because the provider is configured `drop_unsupported`. */
  readonly dropped: string[];
  /** Hosted tool types the answering provider could not run, left out of what its model saw. */
  readonly omitted: string[];
  /** Items `truncation: "auto"` left out of what the model saw (0: none). [context] */
  readonly truncated: number;
  /**
   * Runs the turn. For a streamed request `onEvent` sees every event in order; the terminal event is delivered
   * only after the response is committed to the store, so a client that chains on it never races the write.
   * A request that is not streamed makes no events.
   */
  execute(
    onEvent: (e: StreamEvent, json: string) => void,
    hooks?: {
      /** The upstream is done; only storing the response is left before the terminal event. */
      onSettling?(): void;
      /** The client's back-pressure (see TurnOptions.ready): the upstream is not read while it is paused. */
      ready?(): Promise<void> | null;
    },
  ): Promise<{
    response: ResponseObject;
    error: UpstreamError | null;
    cancelled: boolean;
    /** Not streamed and stored (or not storing): the client's answer, already serialized. */
    json?: string;
  }>;
  /** Gives the run up without executing it (the caller failed before it could): it leaves memory. */
  discard(): void;
}

export interface ContentDeps {
  files: FileService;
  fetcher: SafeFetcher;
}

interface RunSetup {
  response: ResponseObject;
  run: RunControl;
  routes: PreparedRoute[];
  assembled: Awaited<ReturnType<typeof assembleHistory>>;
  includeEncrypted: boolean;
  inputFor(route: PreparedRoute): Promise<Item[]>;
  store: boolean;
  /** conversations: the conversation this response is a turn of (its lock is held until the run settles). */
  conversation: ConversationTurn | null;
  context: PreparedContext; // [context]
}

export interface UpstreamOptions {
  /** Retry / failover / upstream-error lines. */
  log?: Logger;
  /** See Config.upstreamDeadlineMs. */
  upstreamDeadlineMs?: number;
}

export class ResponsesService {
  /** The responses running in this process: a shutdown drains them (see drain()). */
  private readonly runs = new RunRegistry();

  private readonly log: Logger;

  constructor(
    private readonly store: ResponseStore,
    private readonly registry: ProviderRegistry,
    private readonly content: ContentDeps,
    private readonly upstream: UpstreamOptions = {},
    private readonly conversations: ConversationService, // conversations
    // [context] compaction items, context_management and truncation (src/context/context-manager.ts)
    private readonly context = new ContextManager({ key: randomBytes(32), defaultWindow: DEFAULT_CONTEXT_WINDOW }),
  ) {
    this.log = upstream.log ?? silentLogger();
  }

  /**
   * Validates routing and context, persists the in-progress response and starts the upstream call. Throws
   * ApiError for a client's mistake or an upstream that refused before streaming (then stored as failed).
   */
  async begin(ctx: RequestContext, params: CreateParams, signal: CancelSignal): Promise<Run> {
    const routes = this.prepareRoutes(params);
    // conversations: waits for the conversation's turn and reads its items; released when the run settles.
    const conversation = params.conversation == null ? null : await this.conversations.enterTurn(ctx, params, signal);
    try {
      return await this.beginTurn(ctx, params, signal, routes, conversation);
    } catch (err) {
      conversation?.leave(); // conversations
      throw err;
    }
  }

  private async beginTurn(ctx: RequestContext, params: CreateParams, signal: CancelSignal, routes: PreparedRoute[], conversation: ConversationTurn | null): Promise<Run> {
    const assembled = await assembleHistory(this.store, ctx, params.previous_response_id, normalizeInput(params.input));
    if (conversation) assembled.history = conversation.items; // conversations: the model sees its items first
    else checkNotAConversationTurn(assembled.previous); // conversations
    const store = params.store !== false;
    const includeEncrypted = (params.include ?? []).includes('reasoning.encrypted_content');

    // file_id / remote URL content as each provider needs it; resolved for the primary before anything is
    // stored, so an unknown file or a refused URL is a clean 400. Stored items keep the references.
    // [context] the model's view: compaction items expanded, auto-compacted, fitted to the window (or 400)
    const context = await this.context.prepare(ctx, params, routes[0], [...assembled.history, ...assembled.input], signal);
    const history = context.items;
    const resolved = new Map<string, Promise<Item[]>>();
    const inputFor = (route: PreparedRoute): Promise<Item[]> => {
      const fetchRemote = fetchRemoteFor(route.config);
      const key = `${fetchRemote.image}/${fetchRemote.file}/${route.provider.kind === 'openai'}`;
      let p = resolved.get(key);
      if (!p) {
        p = resolveContent(history, {
          files: this.content.files, fetcher: this.content.fetcher, ctx, fetchRemote,
          // The OpenAI kind has its own Files API: ids Switchboard does not know may be OpenAI's.
          keepUnknownFileIds: route.provider.kind === 'openai',
        });
        resolved.set(key, p);
      }
      return p;
    };
    await inputFor(routes[0]);

    const response = initialResponse(newId('resp'), routes[0].routed, params, Math.floor(Date.now() / 1000));
    if (conversation) response.conversation = { id: conversation.id }; // conversations
    // The run's own cancellation: its client leaving, a DELETE of it, or the server shutting down.
    const run = new RunControl(signal);
    this.runs.add(run);
    try {
      if (store) await this.store.createResponse(ctx, response, params as unknown as Record<string, unknown>, () => run.stop('deleted'));
      return await this.startRun(ctx, params, { response, run, routes, assembled, includeEncrypted, inputFor, store, conversation, context }); // conversations, [context]
    } catch (err) {
      // Whatever ended it before it could run, the response leaves memory (finishResponse or not).
      this.store.release(response.id);
      this.runs.delete(run);
      throw err;
    }
  }

  private async startRun(ctx: RequestContext, params: CreateParams, r: RunSetup): Promise<Run> {
    const { response, run, routes, assembled, includeEncrypted, inputFor, store } = r;
    const build = async (route: PreparedRoute, extra: Item[] = [], attemptSignal: CancelSignal = run): Promise<ModelRequest> => {
      const input = await inputFor(route);
      return {
        model: route.model,
        instructions: params.instructions ?? null,
        input: reasoningStateFor(route.provider.kind, extra.length ? [...input, ...extra] : input),
        params: route.params,
        signal: attemptSignal,
      };
    };

    let started: Started;
    try {
      started = await startUpstream(routes, (rt, attemptSignal) => build(rt, [], attemptSignal), run, {
        deadlineMs: this.upstream.upstreamDeadlineMs || undefined, log: this.log, requestId: ctx.requestId, // 0: none
      });
    } catch (err) {
      // An adapter refused the request (a client mistake): nothing was sent, so nothing is stored.
      if (err instanceof ApiError) throw err;
      const stop = run.stopError();
      // Deleted while it started: stored nowhere.
      if (stop?.reason === 'deleted') throw stop.toApiError();
      const e = stop ?? (err instanceof UpstreamError ? err : null);
      if (store) {
        response.status = run.aborted && !stop ? 'cancelled' : 'failed';
        if (response.status === 'failed') response.error = { code: e?.code ?? 'server_error', message: e?.message ?? (err instanceof Error ? err.message : String(err)) };
        try {
          await this.store.finishResponse(ctx, { response, inputItems: assembled.input, outputItems: [], previous: assembled.previous, eventLog: null });
        } catch {
          // Not stored (and out of memory): the client still gets the upstream's error, not the store's.
        }
      }
      if (e) throw e.toApiError(routes[routes.length - 1].config.name);
      throw err;
    }

    // The model that actually answered (a fallback, maybe) is the one the Response names.
    response.model = started.route.routed;
    // [context] an automatic compaction's item leads the output, as OpenAI puts it
    if (r.context.output.length) started = { ...started, events: leadWith(r.context.output, started.events) };
    const { route } = started;
    const self = this;
    const streamed = params.stream === true;
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      self.store.release(response.id);
      self.runs.delete(run);
      r.conversation?.leave(); // conversations: after the final write, so the next turn sees this one's items
    };
    return {
      response,
      dropped: route.dropped,
      omitted: route.omitted,
      truncated: r.context.truncated, // [context]
      discard: settle,
      async execute(onEvent, hooks) {
        // Streamed: each event is serialized once, for the client and the stored log alike. Not streamed: nobody
        // reads events, so the builder makes none (only the Response).
        const log = new EventLog();
        let held: { e: StreamEvent; json: string } | null = null;
        let count = 0;
        // Ends the response failed after its turn (store error, deleted, a throw): the client is told instead.
        const failAfterTurn = (res: ResponseObject, e: UpstreamError) => {
          res.status = 'failed';
          res.error = { code: e.code, message: e.message };
          if (streamed) {
            const seq = held ? held.e.sequence_number : count;
            const failed = { type: 'response.failed', sequence_number: seq, response: presentResponse(res, includeEncrypted) };
            held = { e: failed, json: JSON.stringify(failed) };
          }
          return { response: res, error: e, cancelled: false };
        };
        try {
          const eventJson = new EventJson();
          const builder = new ResponseBuilder(response, !streamed ? null : (e) => {
            count++;
            const json = eventJson.of(e);
            log.add(e, json);
            if (TERMINAL.has(e.type)) held = { e, json };
            else onEvent(e, json);
          }, { includeEncrypted, maxToolCalls: params.max_tool_calls ?? null, providerKind: route.provider.kind });
          builder.start();
          let outcome = await runTurn(started.events, builder, {
            signal: run,
            format: route.params.text?.format,
            restart: async (extra) => route.provider.stream(await build(route, extra)),
            stopped: () => run.stopError(),
            ready: hooks?.ready,
          });
          if (outcome.error && !(outcome.error instanceof RunStoppedError)) logTurnError(self.log, ctx, started, outcome.error);
          // Deleted after its upstream finished but before its write began: it must not be stored.
          if (run.stopReason === 'deleted' && !(outcome.error instanceof RunStoppedError)) {
            outcome = failAfterTurn(outcome.response, new RunStoppedError('deleted'));
          }
          const deleted = outcome.error instanceof RunStoppedError && outcome.error.reason === 'deleted';
          // Not streamed: the finished Response is serialized once, for its stored row and the client's answer.
          const serialized = streamed || deleted ? null : serializeFinal(outcome.response, includeEncrypted);
          if (store && !deleted) {
            hooks?.onSettling?.();
            try {
              await self.store.finishResponse(ctx, {
                response: outcome.response,
                inputItems: assembled.input,
                outputItems: outcome.response.output,
                previous: assembled.previous,
                eventLog: log.serialize(outcome.response, includeEncrypted),
                json: serialized?.stored,
                conversation: r.conversation?.id ?? null, // conversations: appended in this same transaction
              });
            } catch (err) {
              // The transaction rolled back: say so instead of reporting a stored success.
              const message = `The response could not be stored: ${err instanceof Error ? err.message : String(err)}`;
              outcome = failAfterTurn(outcome.response, new UpstreamError(message, { code: 'store_error', status: 500 }));
            }
          }
          // A store failure changed the Response (and the client gets an error instead).
          return serialized && !outcome.error ? { ...outcome, json: serialized.client } : outcome;
        } catch (err) {
          // A defect between the start and the store: the response is stored nowhere and its client is told.
          return failAfterTurn(response, new UpstreamError(`The server had an error while processing the response: ${err instanceof Error ? err.message : String(err)}`, { code: 'server_error', status: 500 }));
        } finally {
          settle();
          if (held) onEvent((held as { e: StreamEvent }).e, (held as { json: string }).json);
        }
      },
    };
  }

  /**
   * For a shutdown: lets running responses finish for up to `graceMs`, then ends the rest (`server_shutdown`,
   * stored with their output so far, their clients told) and resolves once they are stored and answered.
   */
  drain(graceMs: number): Promise<void> {
    return this.runs.drain(graceMs);
  }

  /**
   * The model's routes (primary, then fallbacks) that can honour this request. A fallback that cannot is
   * skipped; when none can, the primary's reason is the answer.
   */
  private prepareRoutes(params: CreateParams): PreparedRoute[] {
    const prepared: PreparedRoute[] = [];
    let firstError: unknown = null;
    for (const route of this.registry.resolve(params.model)) {
      try {
        const checked = checkParamSupport(params, route.provider, route.config.dropUnsupported);
        prepared.push({ ...route, ...checked });
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        firstError ??= err;
      }
    }
    if (!prepared.length) throw firstError;
    return prepared;
  }

  async retrieve(ctx: RequestContext, id: string, include: string[]): Promise<ResponseObject> {
    const r = await this.mustGet(ctx, id, true);
    return presentResponse(r.response, include.includes('reasoning.encrypted_content'));
  }

  async delete(ctx: RequestContext, id: string): Promise<{ id: string; object: 'response'; deleted: true }> {
    if (!(await this.store.deleteResponse(ctx, id))) throw responseNotFound(id);
    return { id, object: 'response', deleted: true };
  }

  /** Only background responses can be cancelled (background mode arrives in a later issue). */
  async cancel(ctx: RequestContext, id: string): Promise<never> {
    const r = await this.mustGet(ctx, id);
    if (!r.response.background) {
      throw new ApiError(400, 'Cannot cancel a synchronous response.', { param: null, code: 'invalid_request' });
    }
    throw new ApiError(400, 'Background responses are not supported yet.', { code: 'unsupported_parameter' });
  }

  async listInputItems(ctx: RequestContext, id: string, q: { limit: number; order: 'asc' | 'desc'; after?: string; include: string[] }) {
    const r = await this.mustGet(ctx, id);
    const page = await this.store.listInputItems(ctx, r, q);
    const includeEncrypted = q.include.includes('reasoning.encrypted_content');
    const data: Item[] = page.items.map((i) => presentItem(i, includeEncrypted));
    return {
      object: 'list' as const,
      data,
      first_id: data.length ? String(data[0].id) : null,
      last_id: data.length ? String(data[data.length - 1].id) : null,
      has_more: page.hasMore,
    };
  }

  async events(ctx: RequestContext, id: string, startingAfter: number): Promise<Record<string, unknown>[]> {
    return this.store.listEvents(ctx, await this.mustGet(ctx, id), startingAfter);
  }

  private async mustGet(ctx: RequestContext, id: string, withOutput = false): Promise<StoredResponse> {
    const r = await this.store.getResponse(ctx, id, withOutput);
    if (!r) throw responseNotFound(id);
    return r;
  }
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

/** An upstream failure after the response started (mid-stream, or the structured-output repair). */
function logTurnError(log: Logger, ctx: RequestContext, started: Started, e: UpstreamError): void {
  log.warn({
    request_id: ctx.requestId, provider: started.route.config.name, model: started.route.model, attempt: started.attempt,
    status: e.upstreamStatus, code: e.code, ...(e.detail ? { detail: e.detail } : {}),
  }, 'upstream error');
}

function responseNotFound(id: string): ApiError {
  return notFound(`Response with id '${id}' not found.`, 'response_id', 'not_found');
}

export type { Route };
