/**
 * Bodies of the Conversations API, validated like `POST /v1/responses`: the same item schemas (so anything a
 * response's `input` takes, a conversation takes), the same metadata limits, the same 400 with `param`.
 * Top level is strict: an unknown parameter is a 400.
 */
import { z } from 'zod';
import type { Item } from '../api/items.js';
import { metadata } from '../api/create-request-schema.js';
import { inputItemSchema } from '../api/item-schemas.js';
import { checkJsonDepth } from '../api/json-depth.js';
import { describeIssue, toValidationError } from '../api/validation-error.js';

/** OpenAI's limit on the items of one create or add call. */
export const MAX_ITEMS_PER_CALL = 20;

const items = z.array(inputItemSchema).max(MAX_ITEMS_PER_CALL);

const createSchema = z.strictObject({ items: items.nullish(), metadata: metadata.nullish() });
const updateSchema = z.strictObject({ metadata: metadata.nullable() });
const addItemsSchema = z.strictObject({ items: items.min(1) });

export interface CreateConversationBody { items?: Item[] | null; metadata?: Record<string, string> | null }
export interface UpdateConversationBody { metadata: Record<string, string> | null }
export interface AddItemsBody { items: Item[] }

function parse<T>(schema: z.ZodType, body: unknown): T {
  checkJsonDepth(body);
  const result = schema.safeParse(body, { error: describeIssue });
  if (!result.success) throw toValidationError(result.error.issues, body);
  return result.data as T;
}

export const parseCreateConversation = (body: unknown) => parse<CreateConversationBody>(createSchema, body ?? {});
export const parseUpdateConversation = (body: unknown) => parse<UpdateConversationBody>(updateSchema, body);
export const parseAddItems = (body: unknown) => parse<AddItemsBody>(addItemsSchema, body);
