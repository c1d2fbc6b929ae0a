/**
 * `POST /v1/responses/compact`: the conversation given by `input` and/or `previous_response_id`, compacted
 * (ContextManager.compact). Nothing is stored: the answer is the client's to send back as input.
 */
import type { CancelSignal } from '../api/cancellation.js';
import type { CreateParams } from '../api/create-params.js';
import { newId } from '../api/ids.js';
import type { Item } from '../api/items.js';
import { presentItem } from '../api/response-object.js';
import type { ProviderRegistry } from '../providers/registry.js';
import { assembleHistory } from '../responses/assemble-history.js';
import { normalizeInput } from '../responses/normalize-input.js';
import type { RequestContext } from '../store/request-context.js';
import type { ResponseStore } from '../store/response-store.js';
import { parseCompactParams } from './compact-params.js';
import type { ContextManager } from './context-manager.js';

export interface CompactedResponseObject {
  id: string;
  object: 'response.compaction';
  created_at: number;
  output: Item[];
  usage: {
    input_tokens: number;
    input_tokens_details: { cached_tokens: number };
    output_tokens: number;
    output_tokens_details: { reasoning_tokens: number };
    total_tokens: number;
  };
}

export async function compactResponse(
  deps: { store: ResponseStore; registry: ProviderRegistry; context: ContextManager },
  ctx: RequestContext,
  body: unknown,
  signal: CancelSignal,
): Promise<CompactedResponseObject> {
  const params = parseCompactParams(body) as CreateParams & { model: string };
  // The model's first route writes the summary (an alias's fallbacks are not tried).
  const route = deps.registry.resolve(params.model)[0];
  const assembled = await assembleHistory(deps.store, ctx, params.previous_response_id, normalizeInput(params.input));
  const { output, usage } = await deps.context.compact(ctx, params, { ...route, params }, [...assembled.history, ...assembled.input], signal);
  return {
    id: newId('resp'),
    object: 'response.compaction',
    created_at: Math.floor(Date.now() / 1000),
    output: output.map((i) => presentItem(i, false)),
    usage: {
      input_tokens: usage.input,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: usage.output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: usage.input + usage.output,
    },
  };
}
