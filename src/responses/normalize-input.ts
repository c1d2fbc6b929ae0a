/**
 * Client input → the internal item form (api/items.ts): a string becomes one user message, `{role, content}`
 * messages get `type: 'message'`, string content becomes one text part, and every item gets an id so that it
 * can be listed, referenced and echoed back (Codex sends server ids back; they are kept as given).
 */
import { newId, type IdPrefix } from '../api/ids.js';
import type { ContentPart, Item } from '../api/items.js';

const ID_PREFIX: Record<string, IdPrefix> = {
  message: 'msg',
  function_call: 'fc',
  function_call_output: 'fco',
  reasoning: 'rs',
  custom_tool_call: 'ctc',
};

export function normalizeInput(input: string | Item[] | null | undefined): Item[] {
  if (input === null || input === undefined) return [];
  if (typeof input === 'string') {
    return [{ id: newId('msg'), type: 'message', role: 'user', content: [{ type: 'input_text', text: input }], status: 'completed' }];
  }
  return input.map(normalizeItem);
}

function normalizeItem(raw: Item): Item {
  // `{role, content}` without a type is the "easy input message" form.
  const src = raw as Record<string, unknown>;
  const item = (src.type === undefined && 'role' in src ? { ...src, type: 'message' } : { ...src }) as Item;
  if (item.type === 'item_reference') return item; // resolved against the store by assemble-history
  if (item.type === 'message') {
    const role = item.role as string;
    if (typeof item.content === 'string') {
      item.content = [textPart(role, item.content)];
    }
    item.status ??= 'completed';
  }
  if (item.id === undefined || item.id === null) item.id = newId(Object.hasOwn(ID_PREFIX, item.type) ? ID_PREFIX[item.type] : 'item');
  return item;
}

function textPart(role: string, text: string): ContentPart {
  return role === 'assistant' ? { type: 'output_text', text, annotations: [] } : { type: 'input_text', text };
}
