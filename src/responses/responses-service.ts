/**
 * The Responses resource: create (sync or streamed), retrieve, delete, cancel, input items.
 * HTTP-agnostic: the http/ layer turns a Run's events into SSE frames or one JSON body.
 */
import type { CancelSignal } from '../api/cancellation.js';
import { ApiError, notFound, UpstreamError } from '../api/errors.js';
import type { CreateParams } from '../api/create-params.js';
import { newId } from '../api/ids.js';
import type { Item } from '../api/items.js';
import { initialResponse, presentItem, presentResponse, type ResponseObject } from '../api/response-object.js';
import type { ResponseBuilder } from '../engine/response-builder.js';
import { Run, type RunHost, type RunResult, type RunSubscriber } from '../engine/run.js';
import {
  InProcessCancellation, InProcessRuns, WorkerPool, type EventLogStore, type LiveRuns, type RunCancellation, type RunQueue,
} from '../engine/run-backends.js';
import { resolveContent } from '../content/resolve-content.js';
import type { SafeFetcher } from '../content/safe-fetch.js';
import type { FileService } from '../files/file-service.js';
import { runTurn, type TurnOutcome } from '../engine/run-turn.js';
import { fetchRemoteFor, type ProviderRegistry, type Route } from '../providers/registry.js';
import { startUpstream, type PreparedRoute, type Started } from './start-upstream.js';
import type { RequestContext } from '../store/request-context.js';
import type { ResponseStore, StoredResponse, UnfinishedResponse } from '../store/response-store.js';
import { assembleHistory } from './assemble-history.js';
import { normalizeInput } from './normalize-input.js';
import { ModelRoutes, leadWithEvents, modelRequests } from './model-routes.js';
import { RunControl, RunRegistry, RunStoppedError } from '../engine/run-control.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { checkNotAConversationTurn, type ConversationService, type ConversationTurn } from '../conversations/conversation-service.js'; // conversations
import { randomBytes } from 'node:crypto'; // [context]
import { ContextManager, leadWith, type PreparedContext } from '../context/context-manager.js'; // [context]
import { DEFAULT_CONTEXT_WINDOW } from '../config/types.js'; // [context]
import { ServerTools } from '../tools/server-tools.js';
import type { ToolSession } from '../tools/tool-session.js';
import { redactTools } from '../tools/redact.js';

/** A background run is not stopped by its client leaving: it has a signal that never fires. */
const NEVER: CancelSignal = { aborted: false, addEventListener() {}, removeEventListener() {} };

/** A response that `begin` prepared: the HTTP layer executes it (foreground) or answers at once (background). */
export interface Begun {
  readonly run: Run;
  readonly response: ResponseObject;
  /** Parameters dropped because the provider is configured `drop_unsupported`. */
  readonly dropped: string[];
  /** Hosted tool types the answering provider could not run, left out of what its model saw. */
  readonly omitted: string[];
  /** A background run: already queued; `execute` must not be called (follow it with `follow`). */
  readonly background: boolean;
  /** Items `truncation: "auto"` left out of what the model saw (0: none). [context] */
  readonly truncated: number;
  /**
   * Runs a foreground response with `sub` as its subscriber (null: not streamed). The terminal event reaches
   * `sub` only after the response is committed; `sub.ready` is the client's back-pressure.
   */
  execute(sub: (RunSubscriber & { ready?(): Promise<void> | null }) | null): Promise<RunResult>;
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
  /** The response's server-side tools (the agent loop), when it has any. */
  tools: ToolSession | null;
  /** Stops handling cancel requests for this run (it settled, or never started). */
  unlisten(): void;
}

/** The backends a service runs on (engine/run-backends.ts); each defaults to this process and its SQLite store. */
export interface RunBackends {
  /** Background workers of the default queue. */
  workers?: number;
  queue?: RunQueue;
  live?: LiveRuns;
  eventLog?: EventLogStore;
  cancellation?: RunCancellation;
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
  /** Background runs waiting for a worker, and those running here (to follow and to cancel). */
  private readonly queue: RunQueue;
  private readonly live: LiveRuns;
  /** Finished runs' events, for a replay. */
  private readonly eventLog: EventLogStore;
  /** Cancels and DELETEs reach a run through this, wherever it runs. */
  private readonly cancellation: RunCancellation;

  private readonly log: Logger;

  constructor(
    private readonly store: ResponseStore,
    registry: ProviderRegistry,
    private readonly content: ContentDeps,
    private readonly upstream: UpstreamOptions = {},
    background: RunBackends = {},
    private readonly conversations?: ConversationService, // conversations
    // [context] compaction items, context_management and truncation (src/context/context-manager.ts)
    private readonly context = new ContextManager({ key: randomBytes(32), defaultWindow: DEFAULT_CONTEXT_WINDOW }),
    /** The hosted tools Switchboard runs itself (web search, file search, MCP, code interpreter), as configured. */
    tools = new ServerTools(),
  ) {
    this.log = upstream.log ?? silentLogger();
    this.queue = background.queue ?? new WorkerPool(background.workers ?? 8);
    this.live = background.live ?? new InProcessRuns();
    this.eventLog = background.eventLog ?? { read: (ctx, r, afterSeq) => store.listEvents(ctx, r, afterSeq) };
    this.cancellation = background.cancellation ?? new InProcessCancellation();
    this.routing = new ModelRoutes(registry, tools);
  }

  /** Routes, server-side tools and the model requests of a response (model-routes.ts). */
  private readonly routing: ModelRoutes;

  /**
   * Validates routing and context. A foreground response: persists it in progress and starts the upstream
   * call. A background one: stores it `queued` and queues it for a worker. Throws ApiError for a client's
   * mistake or an upstream that refused before streaming (then stored as failed).
   */
  async begin(ctx: RequestContext, params: CreateParams, signal: CancelSignal, existing?: ResponseObject): Promise<Begun> {
    if (params.background && params.store === false) {
      throw new ApiError(400, "Background responses must be stored: 'background' cannot be used with 'store': false.", { param: 'background', code: 'invalid_value' });
    }
    const routes = this.routing.prepare(params);
    // conversations: a turn of a conversation waits for the turns before it (its lock), then sees their items.
    const conversation = params.conversation == null ? null : await this.enterConversation(ctx, params, signal);
    try {
      return await this.beginTurn(ctx, params, signal, existing, routes, conversation);
    } catch (err) {
      conversation?.leave();
      throw err;
    }
  }

  private enterConversation(ctx: RequestContext, params: CreateParams, signal: CancelSignal): Promise<ConversationTurn | null> {
    if (!this.conversations) throw new ApiError(400, 'Conversations are not available here.', { param: 'conversation', code: 'unsupported_parameter' });
    return this.conversations.enterTurn(ctx, params, signal);
  }

  private async beginTurn(
    ctx: RequestContext, params: CreateParams, signal: CancelSignal, existing: ResponseObject | undefined,
    routes: PreparedRoute[], conversation: ConversationTurn | null,
  ): Promise<Begun> {
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

    // Server-side tools: checked (400s) and prepared — MCP lists, approved MCP calls — before anything is stored.
    const tools = params.tools?.length ? await this.routing.prepareTools(ctx, params, routes, assembled.history, assembled.input, signal) : null;

    const response = existing ?? initialResponse(newId('resp'), routes[0].routed, params, Math.floor(Date.now() / 1000));
    if (conversation && !existing) response.conversation = { id: conversation.id }; // conversations
    // MCP headers and authorization are used, never echoed or stored in clear.
    if (!existing && params.tools?.some((t) => t.type === 'mcp')) {
      response.tools = redactTools(response.tools as unknown as Record<string, unknown>[]) as unknown as ResponseObject['tools'];
      params = { ...params, tools: response.tools as CreateParams['tools'] };
    }
    const setup: RunSetup = { response, run: null!, routes, assembled, includeEncrypted, inputFor, store, conversation, context, tools, unlisten: () => {} };
    if (params.background) return this.queueBackground(ctx, params, setup, existing !== undefined);

    // The run's own cancellation: its client leaving, a DELETE of it, or the server shutting down.
    const control = new RunControl(signal);
    setup.run = control;
    this.runs.add(control);
    // Only a DELETE stops a foreground run this way (a cancel of one is refused before it gets here).
    setup.unlisten = this.cancellation.onRequest(response.id, (reason) => {
      if (reason === 'deleted') control.stop('deleted');
    });
    try {
      if (store) await this.store.createResponse(ctx, response, params as unknown as Record<string, unknown>, this.deleteRequest(response.id));
      return await this.startRun(ctx, params, setup);
    } catch (err) {
      // Whatever ended it before it could run, the response leaves memory (finishResponse or not).
      this.store.release(response.id);
      this.runs.delete(control);
      setup.unlisten();
      throw err;
    }
  }

  /** Where a run commits and how it leaves memory. */
  private hostFor(ctx: RequestContext, r: RunSetup, settle: () => void): RunHost {
    const store = this.store;
    return {
      store: r.store,
      settle,
      commit: (response, eventLog, json) => store.finishResponse(ctx, {
        response, inputItems: r.assembled.input, outputItems: response.output, previous: r.assembled.previous, eventLog, json,
        conversation: r.conversation?.id ?? null, // conversations: appended in this same transaction
      }),
    };
  }

  private async startRun(ctx: RequestContext, params: CreateParams, r: RunSetup): Promise<Begun> {
    const { response, run: control, routes, assembled, store } = r;
    const build = modelRequests(params, r);

    let started: Started;
    try {
      started = await startUpstream(routes, (rt, attemptSignal) => build(rt, undefined, attemptSignal), control, {
        deadlineMs: this.upstream.upstreamDeadlineMs || undefined, log: this.log, requestId: ctx.requestId, // 0: none
      });
    } catch (err) {
      // An adapter refused the request (a client mistake): nothing was sent, so nothing is stored.
      if (err instanceof ApiError) throw err;
      const stop = control.stopError();
      // Deleted while it started: stored nowhere.
      if (stop?.reason === 'deleted') throw stop.toApiError();
      const e = stop ?? (err instanceof UpstreamError ? err : null);
      if (store) {
        response.status = control.aborted && !stop ? 'cancelled' : 'failed';
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
    if (r.tools?.leading.length) started = { ...started, events: leadWithEvents(r.tools.leading, started.events) };
    const { route } = started;
    const self = this;
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      self.store.release(response.id);
      self.runs.delete(control);
      r.unlisten();
      r.conversation?.leave(); // conversations: after the final write, so the next turn sees this one's items
    };
    // Streamed: each event is serialized once, for the client and the stored log alike. Not streamed: nobody
    // reads events, so the builder makes none (only the Response).
    const run = new Run(response, control, this.hostFor(ctx, r, settle), {
      events: params.stream === true, includeEncrypted: r.includeEncrypted, maxToolCalls: params.max_tool_calls ?? null, providerKind: route.provider.kind,
    });
    return {
      run,
      response,
      dropped: route.dropped,
      omitted: route.omitted,
      background: false,
      truncated: r.context.truncated, // [context]
      discard: settle,
      execute(sub) {
        return run.execute(sub, async (builder) => {
          const outcome = await runTurn(started.events, builder, {
            signal: control,
            format: route.params.text?.format,
            restart: async (extra, noTools) => route.provider.stream(await build(route, extra, control, noTools)),
            stopped: () => control.stopError(),
            ready: sub?.ready ? () => sub.ready!() : undefined,
            tools: route.serverRun.size ? r.tools : null,
          });
          if (outcome.error && !(outcome.error instanceof RunStoppedError)) logTurnError(self.log, ctx, started, outcome.error);
          return outcome;
        });
      },
    };
  }

  /**
   * A background response: its row is written `queued` (unless a restart found it so: `rowExists`), its run
   * (`response.created` + `response.queued`) waits in the queue, and the create call answers at once. Its
   * client leaving does not stop it; a cancel, a DELETE or a shutdown does.
   */
  private async queueBackground(ctx: RequestContext, params: CreateParams, r: RunSetup, rowExists: boolean): Promise<Begun> {
    const { response, routes } = r;
    response.status = 'queued';
    // Streamed from the upstream whatever the client asked: followers see the output as it comes, and a
    // cancel keeps the output so far.
    for (const route of routes) route.params = { ...route.params, stream: true };
    const control = new RunControl(NEVER);
    r.run = control;
    const run = new Run(response, control, this.hostFor(ctx, r, () => {
      this.store.release(response.id);
      this.live.remove(run);
      this.runs.delete(control);
      r.unlisten();
      r.conversation?.leave(); // conversations
    }), { events: true, includeEncrypted: r.includeEncrypted, maxToolCalls: params.max_tool_calls ?? null, providerKind: routes[0].provider.kind });
    run.queue();
    r.unlisten = this.cancellation.onRequest(response.id, (reason) => {
      if (run.state === 'done') return;
      // A cancel keeps the output so far (`cancelled`); a DELETE ends it stored nowhere.
      if (reason === 'deleted') control.stop('deleted');
      else control.cancel();
      // Still waiting for a worker: it ends now rather than when a worker takes it.
      this.queue.take(response.id)?.();
    });
    const onDelete = this.deleteRequest(response.id);
    this.live.add(run);
    try {
      if (rowExists) await this.store.createResponse(ctx, response, params as unknown as Record<string, unknown>, onDelete, true);
      else await this.store.queueResponse(ctx, response, params as unknown as Record<string, unknown>, onDelete);
    } catch (err) {
      this.store.release(response.id);
      this.live.remove(run);
      r.unlisten();
      throw err; // (begin leaves the conversation)
    }
    // The create call's answer: the Response as queued (a free worker may take it before the answer leaves).
    const queued = { ...response, output: [] };
    this.queue.push(response.id, () => this.runBackground(ctx, params, r, run));
    return {
      run, response: queued, dropped: routes[0].dropped, omitted: routes[0].omitted, background: true, truncated: r.context.truncated,
      execute: () => run.done(),
      discard: () => {},
    };
  }

  /** A worker runs a background response: its row says `in_progress`, then the turn, then the usual commit. */
  private async runBackground(ctx: RequestContext, params: CreateParams, r: RunSetup, run: Run): Promise<RunResult> {
    const control = run.control;
    const { response, routes } = r;
    this.runs.add(control);
    if (!control.aborted) {
      response.status = 'in_progress';
      try {
        await this.store.updateStatus(ctx.tenant, response);
      } catch (err) {
        this.log.warn({ request_id: ctx.requestId, response_id: response.id, err: err instanceof Error ? err.message : String(err) }, 'background response: status not stored');
      }
    }
    const build = modelRequests(params, r);
    return run.execute(null, async (builder): Promise<TurnOutcome> => {
      const stopped = () => stoppedOutcome(builder, control);
      if (control.aborted) return stopped();
      let started: Started;
      try {
        started = await startUpstream(routes, (rt, attemptSignal) => build(rt, undefined, attemptSignal), control, {
          deadlineMs: this.upstream.upstreamDeadlineMs || undefined, log: this.log, requestId: ctx.requestId,
        });
      } catch (err) {
        if (control.aborted) return stopped();
        const e = err instanceof UpstreamError ? err
          : err instanceof ApiError ? new UpstreamError(err.message, { code: err.code ?? 'invalid_request' })
          : new UpstreamError(err instanceof Error ? err.message : String(err), { code: 'server_error' });
        return { response: builder.fail(e.code, e.message), error: e, cancelled: false };
      }
      response.model = started.route.routed;
      if (r.context.output.length) started = { ...started, events: leadWith(r.context.output, started.events) }; // [context]
      if (r.tools?.leading.length) started = { ...started, events: leadWithEvents(r.tools.leading, started.events) };
      builder.useProvider(started.route.provider.kind);
      const { route } = started;
      const outcome = await runTurn(started.events, builder, {
        signal: control,
        format: route.params.text?.format,
        restart: async (extra, noTools) => route.provider.stream(await build(route, extra, control, noTools)),
        stopped: () => control.stopError(),
        tools: route.serverRun.size ? r.tools : null,
      });
      if (outcome.error && !(outcome.error instanceof RunStoppedError)) logTurnError(this.log, ctx, started, outcome.error);
      return outcome;
    });
  }

  /**
   * At start-up: background responses a stopped process left behind. A queued one never reached its model, so
   * it is queued again and runs; a running one's output so far was never stored, so it ends `failed`
   * (`server_restarted`) rather than staying `in_progress` forever, or running (and being billed) twice.
   */
  async recover(): Promise<{ requeued: string[]; failed: string[] }> {
    const requeued: string[] = [];
    const failed: string[] = [];
    for (const u of this.store.unfinished()) {
      const ctx: RequestContext = { requestId: `restart_${u.id}`, tenant: u.tenant, keyId: null };
      if (u.status === 'queued') {
        try {
          await this.begin(ctx, u.request as unknown as CreateParams, NEVER, u.response);
          requeued.push(u.id);
          continue;
        } catch (err) {
          await this.failUnfinished(u, 'server_restarted', `The server restarted while the response was queued, and it could not be queued again: ${err instanceof Error ? err.message : String(err)}`);
        }
      } else {
        await this.failUnfinished(u, 'server_restarted', 'The server restarted while the response was in progress; its output so far was not stored. Create the response again.');
      }
      failed.push(u.id);
    }
    if (requeued.length || failed.length) this.log.warn({ requeued: requeued.length, failed: failed.length }, 'background responses left by the previous process: queued ones requeued, running ones failed');
    return { requeued, failed };
  }

  private async failUnfinished(u: UnfinishedResponse, code: string, message: string): Promise<void> {
    const response = { ...u.response, status: 'failed' as const, error: { code, message } };
    await this.store.updateStatus(u.tenant, response);
  }

  /**
   * For a shutdown: queued background responses stay queued (in the store: the next start runs them); running
   * ones finish for up to `graceMs`, then the rest are ended (`server_shutdown`, stored with their output so
   * far, their clients told); resolves once they are stored and answered.
   */
  drain(graceMs: number): Promise<void> {
    for (const id of this.queue.close()) {
      const run = this.live.get(id);
      if (run) run.abandon();
    }
    return this.runs.drain(graceMs);
  }

  async retrieve(ctx: RequestContext, id: string, include: string[]): Promise<ResponseObject> {
    const r = await this.mustGet(ctx, id, true);
    return presentResponse(r.response, include.includes('reasoning.encrypted_content'));
  }

  async delete(ctx: RequestContext, id: string): Promise<{ id: string; object: 'response'; deleted: true }> {
    if (!(await this.store.deleteResponse(ctx, id))) throw responseNotFound(id);
    return { id, object: 'response', deleted: true };
  }

  /**
   * Cancels a background response: a queued one ends at once, a running one's upstream call is aborted; it is
   * stored `cancelled` with the output so far. A finished one (cancelled already, too) is returned unchanged.
   */
  async cancel(ctx: RequestContext, id: string, include: string[] = []): Promise<ResponseObject> {
    const r = await this.mustGet(ctx, id);
    if (!r.response.background) {
      throw new ApiError(400, 'Cannot cancel a synchronous response.', { param: null, code: 'invalid_request' });
    }
    // A run of this process is waited for until it is stored `cancelled`.
    const run = this.live.get(id);
    if (await this.cancellation.request(id, 'cancel')) await run?.done();
    return this.retrieve(ctx, id, include);
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
    return this.eventLog.read(ctx, await this.mustGet(ctx, id), startingAfter);
  }

  /**
   * Streams a response's events after `startingAfter` to `sub`: a run in progress here is replayed from its
   * log and then followed live (each event once, in order); a finished one is replayed from the store. Returns
   * how to stop following (the reader left).
   */
  async follow(ctx: RequestContext, id: string, startingAfter: number, sub: RunSubscriber): Promise<{ unsubscribe(): void }> {
    const r = await this.mustGet(ctx, id);
    const following = this.live.follow(id, startingAfter, sub);
    if (following) return following;
    for (const e of await this.eventLog.read(ctx, r, startingAfter)) sub.event(String(e.type), JSON.stringify(e));
    sub.end?.();
    return { unsubscribe() {} };
  }

  /** The store's onDelete for a running response: the DELETE goes to the run as a cancel request. */
  private deleteRequest(id: string): () => void {
    return () => {
      Promise.resolve(this.cancellation.request(id, 'deleted')).catch((err) => {
        this.log.warn({ response_id: id, err: err instanceof Error ? err.message : String(err) }, 'delete of a running response: stop request failed');
      });
    };
  }

  private async mustGet(ctx: RequestContext, id: string, withOutput = false): Promise<StoredResponse> {
    const r = await this.store.getResponse(ctx, id, withOutput);
    if (!r) throw responseNotFound(id);
    return r;
  }
}

/** A run stopped before its model call: ended by the server (deleted, shutdown) or cancelled. */
function stoppedOutcome(builder: ResponseBuilder, control: RunControl): TurnOutcome {
  const stop = control.stopError();
  if (stop) return { response: builder.fail(stop.code, stop.message), error: stop, cancelled: false };
  return { response: builder.cancel(), error: null, cancelled: true };
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
