/**
 * The model's view of a turn: the predecessor's whole history (one store query), then this request's input
 * with every `item_reference` replaced by the stored item it names.
 */
import { ApiError, invalidRequest } from '../api/errors.js';
import type { Item } from '../api/items.js';
import type { ResponseStore, StoredResponse } from '../store/response-store.js';
import type { RequestContext } from '../store/request-context.js';
import { MODEL_OUTPUT_KEY, SERVER_RUN_CALL_TYPES } from '../tools/types.js';

export interface AssembledHistory {
  previous: StoredResponse | null;
  /** Items before this turn (from previous_response_id). */
  history: Item[];
  /** This request's input items, references resolved. */
  input: Item[];
}

export async function assembleHistory(
  store: ResponseStore,
  ctx: RequestContext,
  previousResponseId: string | null | undefined,
  input: Item[],
): Promise<AssembledHistory> {
  let previous: StoredResponse | null = null;
  let history: Item[] = [];
  if (previousResponseId) {
    previous = await store.getResponse(ctx, previousResponseId);
    if (!previous) {
      throw new ApiError(400, `Previous response with id '${previousResponseId}' not found.`, {
        param: 'previous_response_id', code: 'previous_response_not_found',
      });
    }
    if (!previous.thread) {
      throw new ApiError(400, `Previous response with id '${previousResponseId}' is still ${previous.status}; wait for it to finish.`, {
        param: 'previous_response_id', code: 'previous_response_in_progress',
      });
    }
    history = await store.loadHistory(ctx, previous);
  }
  return { previous, history, input: await resolveReferences(store, ctx, input) };
}

/**
 * `item_reference`s become the stored items they name. So do reasoning items sent by id without their
 * `encrypted_content`, and server-run tools' items sent by id without what the model was told (isBareHosted):
 * clients that keep their own history (the OpenAI Agents SDK) resend them that way and rely on the server's
 * stored copy, as OpenAI does with `store: true` — and a vendor like Anthropic needs the signed block back.
 * Such an item not found in the store is left as sent.
 */
async function resolveReferences(store: ResponseStore, ctx: RequestContext, input: Item[]): Promise<Item[]> {
  const refs = input.filter((i) => i.type === 'item_reference' || isBareReasoning(i) || isBareHosted(i)).map((i) => String(i.id));
  if (!refs.length) return input;
  const found = await store.findItems(ctx, refs);
  return input.map((item, index) => {
    if (isBareReasoning(item)) {
      const stored = found.get(String(item.id));
      return stored?.type === 'reasoning' && stored.encrypted_content ? stored : item;
    }
    if (isBareHosted(item)) {
      const stored = found.get(String(item.id));
      return stored?.type === item.type && stored[MODEL_OUTPUT_KEY] !== undefined ? stored : item;
    }
    if (item.type !== 'item_reference') return item;
    const resolved = found.get(String(item.id));
    if (!resolved) throw invalidRequest(`Item with id '${String(item.id)}' not found.`, `input[${index}].id`, 'item_not_found');
    return resolved;
  });
}

/**
 * A server-run tool's item (`web_search_call`, …) resent by a client by its visible fields, without what the tool
 * told the model. The OpenAI Agents SDK does this with `store: true` when it continues a turn after running its
 * own function tools; without the stored copy the model would be told the results were not kept, mid-turn.
 */
function isBareHosted(item: Item): boolean {
  return SERVER_RUN_CALL_TYPES.has(item.type) && typeof item.id === 'string' && item[MODEL_OUTPUT_KEY] === undefined;
}

function isBareReasoning(item: Item): boolean {
  return item.type === 'reasoning' && typeof item.id === 'string' && !item.encrypted_content;
}
