/**
 * The Conversations resource (`client.conversations.*`, `client.conversations.items.*`) and what a response
 * on a conversation needs from it (`enterTurn`). HTTP-agnostic, like ResponsesService.
 */
import type { CancelSignal } from '../api/cancellation.js';
import { ApiError, notFound } from '../api/errors.js';
import type { CreateParams } from '../api/create-params.js';
import { newId } from '../api/ids.js';
import type { Item } from '../api/items.js';
import { presentItem } from '../api/response-object.js';
import { assembleHistory } from '../responses/assemble-history.js';
import { normalizeInput } from '../responses/normalize-input.js';
import type { RequestContext } from '../store/request-context.js';
import type { ResponseStore, StoredResponse } from '../store/response-store.js';
import type { ConversationLocks } from './conversation-lock.js';
import type { AddItemsBody, CreateConversationBody, UpdateConversationBody } from './conversation-schemas.js';
import type { ConversationRecord, ConversationStore, ItemPageQuery } from './conversation-store.js';

export interface ConversationObject { id: string; object: 'conversation'; created_at: number; metadata: Record<string, string> }

/** A response's hold on its conversation: the items it continues, and the lock it must give back. */
export interface ConversationTurn {
  id: string;
  /** The conversation's items, oldest first: the model sees them before the new input. */
  items: Item[];
  /** Releases the conversation for its next turn; call once the response's final write is done (or it failed). */
  leave(): void;
}

export class ConversationService {
  constructor(
    private readonly store: ConversationStore,
    /** For `item_reference`s in added items, resolved as `input` resolves them. */
    private readonly responses: ResponseStore,
    private readonly locks: ConversationLocks,
  ) {}

  async create(ctx: RequestContext, body: CreateConversationBody): Promise<ConversationObject> {
    const items = await this.prepareItems(ctx, body.items ?? []);
    const c: ConversationRecord = { id: newId('conv'), createdAt: Math.floor(Date.now() / 1000), metadata: body.metadata ?? {} };
    await this.store.create(ctx.tenant, c, items);
    return present(c);
  }

  async retrieve(ctx: RequestContext, id: string): Promise<ConversationObject> {
    return present(await this.mustGet(ctx, id));
  }

  /** Replaces the metadata (null clears it), as OpenAI does. */
  async update(ctx: RequestContext, id: string, body: UpdateConversationBody): Promise<ConversationObject> {
    const c = await this.mustGet(ctx, id);
    const metadata = body.metadata ?? {};
    if (!(await this.store.update(ctx.tenant, id, metadata))) throw conversationNotFound(id);
    return present({ ...c, metadata });
  }

  /** Its items go with it; responses that were its turns stay stored. */
  async delete(ctx: RequestContext, id: string): Promise<{ id: string; object: 'conversation.deleted'; deleted: true }> {
    if (!(await this.store.delete(ctx.tenant, id))) throw conversationNotFound(id);
    return { id, object: 'conversation.deleted', deleted: true };
  }

  async addItems(ctx: RequestContext, id: string, body: AddItemsBody, include: string[]) {
    await this.mustGet(ctx, id);
    const items = await this.prepareItems(ctx, body.items);
    if (!(await this.store.append(ctx.tenant, id, items))) throw conversationNotFound(id);
    return list(items.map((i) => presentItem(i, includesEncrypted(include))), false);
  }

  async listItems(ctx: RequestContext, id: string, q: ItemPageQuery & { include: string[] }) {
    await this.mustGet(ctx, id);
    const page = await this.store.page(ctx.tenant, id, q);
    return list(page.items.map((i) => presentItem(i, includesEncrypted(q.include))), page.hasMore);
  }

  async getItem(ctx: RequestContext, id: string, itemId: string, include: string[]): Promise<Item> {
    await this.mustGet(ctx, id);
    const item = await this.store.getItem(ctx.tenant, id, itemId);
    if (!item) throw itemNotFound(itemId);
    return presentItem(item, includesEncrypted(include));
  }

  /** Answers the conversation, as OpenAI's `DELETE …/items/{item_id}` does. */
  async deleteItem(ctx: RequestContext, id: string, itemId: string): Promise<ConversationObject> {
    const c = await this.mustGet(ctx, id);
    if (!(await this.store.deleteItem(ctx.tenant, id, itemId))) throw itemNotFound(itemId);
    return present(c);
  }

  /**
   * For `POST /v1/responses` with `conversation`: checks the request, waits for the conversation's turn (see
   * conversation-lock.ts) and reads its items. Null without `conversation`. The caller must `leave()` whatever
   * happens next.
   */
  async enterTurn(ctx: RequestContext, params: CreateParams, signal: CancelSignal): Promise<ConversationTurn | null> {
    const ref = params.conversation;
    if (ref === null || ref === undefined) return null;
    const id = typeof ref === 'string' ? ref : ref.id;
    checkCombination(params);
    if (params.store === false) {
      throw new ApiError(400, "'store: false' cannot be used with 'conversation': a conversation's turns are stored in it.", {
        param: 'store', code: 'invalid_parameter_combination',
      });
    }
    await this.mustGet(ctx, id, 'conversation');
    const leave = await this.locks.acquire(`${ctx.tenant}\u0000${id}`, signal);
    try {
      // Deleted while this request waited: as if it never existed.
      await this.mustGet(ctx, id, 'conversation');
      return { id, items: await this.store.allItems(ctx.tenant, id), leave };
    } catch (err) {
      leave();
      throw err;
    }
  }

  /**
   * For `POST /v1/responses/input_tokens` with `conversation`: the items a create would put before its input
   * (no lock: a count changes nothing). Empty without `conversation`; the same 400 / 404 as a create.
   */
  async itemsFor(ctx: RequestContext, params: CreateParams): Promise<Item[]> {
    const ref = params.conversation;
    if (ref === null || ref === undefined) return [];
    const id = typeof ref === 'string' ? ref : ref.id;
    checkCombination(params);
    await this.mustGet(ctx, id, 'conversation');
    return this.store.allItems(ctx.tenant, id);
  }

  /** Items as a response's input becomes items: ids given, `item_reference`s resolved (400 for an unknown one). */
  private async prepareItems(ctx: RequestContext, items: Item[]): Promise<Item[]> {
    if (!items.length) return [];
    return (await assembleHistory(this.responses, ctx, null, normalizeInput(items))).input;
  }

  private async mustGet(ctx: RequestContext, id: string, param: string = 'conversation_id'): Promise<ConversationRecord> {
    const c = await this.store.get(ctx.tenant, id);
    if (!c) throw conversationNotFound(id, param);
    return c;
  }
}

/**
 * `previous_response_id` may not name a conversation's turn: that response's own items are not the context it
 * answered in (the conversation's earlier items are), and a chain from it would silently lose them. The
 * conversation is the way to continue it. Refused rather than half-served.
 */
export function checkNotAConversationTurn(previous: StoredResponse | null): void {
  const conversation = previous?.response.conversation;
  if (!previous || !conversation) return;
  throw new ApiError(400, `Response '${previous.id}' is a turn of conversation '${conversation.id}': continue it with 'conversation' instead of 'previous_response_id'.`, {
    param: 'previous_response_id', code: 'previous_response_in_conversation',
  });
}

/** A conversation carries its own history: a second one from `previous_response_id` would be ambiguous. */
function checkCombination(params: CreateParams): void {
  if (params.previous_response_id) {
    throw new ApiError(400, "'previous_response_id' cannot be used together with 'conversation': the conversation already carries the history.", {
      param: 'previous_response_id', code: 'invalid_parameter_combination',
    });
  }
}

function present(c: ConversationRecord): ConversationObject {
  return { id: c.id, object: 'conversation', created_at: c.createdAt, metadata: c.metadata };
}

function list(data: Item[], hasMore: boolean) {
  return {
    object: 'list' as const,
    data,
    first_id: data.length ? String(data[0].id) : null,
    last_id: data.length ? String(data[data.length - 1].id) : null,
    has_more: hasMore,
  };
}

function includesEncrypted(include: string[]): boolean {
  return include.includes('reasoning.encrypted_content');
}

function conversationNotFound(id: string, param: string = 'conversation_id'): ApiError {
  return notFound(`Conversation with id '${id}' not found.`, param, 'not_found');
}

function itemNotFound(id: string): ApiError {
  return notFound(`Item with id '${id}' not found.`, 'item_id', 'not_found');
}
