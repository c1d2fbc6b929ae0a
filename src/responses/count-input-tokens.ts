/**
 * `POST /v1/responses/input_tokens`: how many input tokens a create with the same fields would use. The
 * request goes through the create path's own steps — routing, the parameter-support check, history from
 * `previous_response_id` and `item_reference`s resolved, other vendors' reasoning state left out — so the
 * provider counts exactly the turn a create would send; nothing is stored. The number comes from the
 * provider's `countInputTokens` (the vendor's count endpoint, or a local estimate for Chat Completions
 * servers; see each adapter).
 */
import { Cancellation, type CancelSignal } from '../api/cancellation.js';
import { ApiError, UpstreamError } from '../api/errors.js';
import type { CreateParams } from '../api/create-params.js';
import { parseInputTokensParams } from '../api/input-tokens-schema.js';
import { reasoningStateFor } from '../engine/reasoning-state.js';
import { viewFor } from '../tools/model-view.js';
import type { ProviderRegistry, Route } from '../providers/registry.js';
import type { RequestContext } from '../store/request-context.js';
import type { ResponseStore } from '../store/response-store.js';
import { assembleHistory } from './assemble-history.js';
import { normalizeInput } from './normalize-input.js';
import { checkParamSupport } from './param-support.js';
import type { Logger } from '../log/logger.js';
import { checkNotAConversationTurn, type ConversationService } from '../conversations/conversation-service.js';
import type { ContextManager } from '../context/context-manager.js';
import type { Item } from '../api/items.js';

function expandCompactions(context: ContextManager | undefined, ctx: RequestContext, items: Item[], kind: string): Item[] {
  return context ? context.expand(ctx, items, kind).items : items;
}

export interface InputTokenCount {
  object: 'response.input_tokens';
  input_tokens: number;
}

export async function countInputTokens(
  deps: { store: ResponseStore; registry: ProviderRegistry; log?: Logger; conversations?: ConversationService; context?: ContextManager },
  ctx: RequestContext,
  body: unknown,
  signal: CancelSignal = new Cancellation(),
): Promise<InputTokenCount> {
  const params = parseInputTokensParams(body) as CreateParams;
  const route = firstServingRoute(deps.registry, params);
  const provider = route.provider;
  if (!provider.countInputTokens) {
    throw new ApiError(400, `Counting input tokens is not available for provider '${route.config.name}' (kind ${provider.kind}).`, {
      param: 'model', code: 'unsupported_parameter',
    });
  }
  const assembled = await assembleHistory(deps.store, ctx, params.previous_response_id, normalizeInput(params.input));
  const conversationItems = (await deps.conversations?.itemsFor(ctx, params)) ?? []; // what a create's model would see first
  if (conversationItems.length) assembled.history = conversationItems;
  else checkNotAConversationTurn(assembled.previous);
  try {
    const inputTokens = await provider.countInputTokens({
      model: route.model,
      instructions: params.instructions ?? null,
      // Sealed compaction items count as the summary the model will see.
      // Hosted-tool items count as the function calls and outputs a function-calling model sees (model-view.ts).
      input: reasoningStateFor(provider.kind, viewFor(route, expandCompactions(deps.context, ctx, [...assembled.history, ...assembled.input], provider.kind))),
      params: route.params,
      signal,
    });
    return { object: 'response.input_tokens', input_tokens: inputTokens };
  } catch (err) {
    if (err instanceof UpstreamError) {
      deps.log?.warn({
        request_id: ctx.requestId, provider: route.config.name, model: route.model, attempt: 1,
        status: err.upstreamStatus, code: err.code, ...(err.detail ? { detail: err.detail } : {}),
      }, 'upstream error');
      throw err.toApiError(route.config.name);
    }
    throw err;
  }
}

/**
 * The route a create would try first: the model's first route (an alias may list fallbacks) whose provider
 * accepts the request's fields, with them checked (dropped ones removed); else the first refusal. Only that
 * one is counted: a fallback's count would be for another model.
 */
function firstServingRoute(registry: ProviderRegistry, params: CreateParams): Route & { params: CreateParams } {
  let firstError: unknown = null;
  for (const route of registry.resolve(params.model)) {
    try {
      return { ...route, params: checkParamSupport(params, route.provider, route.config.dropUnsupported).params };
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      firstError ??= err;
    }
  }
  throw firstError;
}
