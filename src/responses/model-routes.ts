/**
 * What a response asks of its model, route by route: the routes (primary, then fallbacks) that can honour the
 * request, the server-side tools prepared for them (each such route's model sees them as functions), and the
 * model request of each attempt and each turn of the agent loop.
 */
import type { CancelSignal } from '../api/cancellation.js';
import { ApiError } from '../api/errors.js';
import type { CreateParams } from '../api/create-params.js';
import type { Item } from '../api/items.js';
import { reasoningStateFor } from '../engine/reasoning-state.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { ModelEvent, ModelRequest } from '../providers/types.js';
import type { RequestContext } from '../store/request-context.js';
import { viewFor } from '../tools/model-view.js';
import { withToolFunctions, type ServerTools } from '../tools/server-tools.js';
import type { ToolSession } from '../tools/tool-session.js';
import { checkParamSupport } from './param-support.js';
import type { PreparedRoute } from './start-upstream.js';

type ServerToolsCheck = { types: ReadonlySet<string>; preferSwitchboard: boolean };

export class ModelRoutes {
  /** What checkParamSupport needs of the server-side tools, made once (it runs for every route of every request). */
  private readonly plain: ServerToolsCheck;
  private readonly preferred: ServerToolsCheck;

  constructor(private readonly registry: ProviderRegistry, private readonly tools: ServerTools) {
    this.plain = { types: tools.types, preferSwitchboard: false };
    this.preferred = { types: tools.types, preferSwitchboard: true };
  }

  /**
   * The model's routes (primary, then fallbacks) that can honour this request. A fallback that cannot is
   * skipped; when none can, the primary's reason is the answer.
   */
  prepare(params: CreateParams): PreparedRoute[] {
    const prepared: PreparedRoute[] = [];
    let firstError: unknown = null;
    for (const route of this.registry.resolve(params.model)) {
      try {
        const checked = checkParamSupport(params, route.provider, route.config.dropUnsupported,
          route.config.serverTools === 'switchboard' ? this.preferred : this.plain);
        prepared.push({ ...route, ...checked });
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        firstError ??= err;
      }
    }
    if (!prepared.length) throw firstError;
    return prepared;
  }

  /**
   * The hosted tools Switchboard runs for these routes: their entries checked (400 before anything is stored)
   * and the response's session prepared; each such route's model then sees them as functions.
   */
  async prepareTools(
    ctx: RequestContext, params: CreateParams, routes: PreparedRoute[], history: Item[], input: Item[], signal: CancelSignal,
  ): Promise<ToolSession | null> {
    if (!params.tools?.length) return null;
    const runTypes = new Set<string>();
    for (const route of routes) for (const t of route.serverRun) runTypes.add(t);
    if (!runTypes.size) return null;
    await this.tools.check(ctx, params, runTypes);
    const session = await this.tools.prepare(ctx, params, runTypes, history, input, signal);
    if (!session) return null;
    for (const route of routes) {
      if (!route.serverRun.size) continue;
      const plain = route.params;
      route.params = withToolFunctions(plain, route.serverRun, session);
      route.noToolParams = withToolFunctions(plain, route.serverRun, session, true);
    }
    return session;
  }
}

/** What a response's model requests are made of. */
export interface RequestParts {
  /** The history and input as `route` takes them (file and URL content resolved for it). */
  inputFor(route: PreparedRoute): Promise<Item[]>;
  /** The run's cancellation: the default signal of an attempt. */
  run: CancelSignal;
  tools: ToolSession | null;
}

/**
 * The model request for `route`, with `extra` items after the input (the agent loop's output so far, a
 * structured-output repair; by default the work done before the first turn); `noTools`: the model must answer
 * without tools (max_tool_calls spent).
 */
export function modelRequests(params: CreateParams, r: RequestParts) {
  const first = r.tools ? leadingItems(r.tools.leading) : [];
  return async (route: PreparedRoute, extra: Item[] = first, attemptSignal: CancelSignal = r.run, noTools = false): Promise<ModelRequest> => {
    const input = await r.inputFor(route);
    const items = viewFor(route, extra.length ? [...input, ...extra] : input);
    return {
      model: route.model,
      instructions: params.instructions ?? null,
      input: reasoningStateFor(route.provider.kind, items),
      params: noTools ? route.noToolParams ?? { ...route.params, tool_choice: 'none' } : route.params,
      signal: attemptSignal,
    };
  };
}

/** Events of the work done before the model's first turn lead its stream. */
export async function* leadWithEvents(lead: ModelEvent[], events: AsyncIterable<ModelEvent>): AsyncIterable<ModelEvent> {
  yield* lead;
  yield* events;
}

/** The finished items among events (what the model's first turn must see of the work done before it). */
function leadingItems(events: ModelEvent[]): Item[] {
  const out: Item[] = [];
  for (const e of events) if (e.type === 'hosted-item-done' || e.type === 'item') out.push(e.item);
  return out;
}
