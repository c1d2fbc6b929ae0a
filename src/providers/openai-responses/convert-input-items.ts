/**
 * History items as OpenAI's Responses API takes them with `store: false`.
 *
 * Items are already in OpenAI's own vocabulary, so nothing is translated; only item ids are a problem.
 * With `store: false` OpenAI persists nothing, and an input item's `id` can make it look the item up:
 * - a reasoning item with an id and no `encrypted_content` fails with 404 "Item with id 'rs_…' not found. Items
 *   are not persisted when `store` is set to false" (vercel/ai#7543, openai/openai-agents-js#546);
 * - a reasoning item whose id is not the one its `encrypted_content` was issued under fails with 400
 *   invalid_encrypted_content "Encrypted content item_id did not match the target item id"
 *   (maximhq/bifrost#5186) — which is exactly what happens when Switchboard's ResponseBuilder mints its own
 *   `rs_` id for the item it stored;
 * - `msg_` / `fc_` / … ids minted by Switchboard are unknown to OpenAI.
 * OpenAI's own stateless client, Codex (`codex-rs/protocol/src/models.rs`), never serializes `id` on messages,
 * reasoning, function / custom tool calls, web searches or local shell calls, and sends reasoning as
 * `{summary, encrypted_content}` only: the encrypted blob carries its own item id. So ids are dropped on every
 * item except the two whose id *is* meaning: `item_reference` (the id is all it has) and
 * `mcp_approval_request` (an `mcp_approval_response` points at it by `approval_request_id`) — and the hosted-tool
 * calls OpenAI ran (HOSTED_ID_PREFIX): OpenAI's input schema requires their `id` (openai 6.x
 * `ResponseFileSearchToolCall`, `ResponseCodeInterpreterToolCall`, `ImageGenerationCall`, `McpListTools`,
 * `McpCall`, `ResponseFunctionWebSearch`; Codex sends `image_generation_call` back with its `ig_` id), and theirs
 * is OpenAI's own (the builder keeps a hosted item's upstream id). One with another id (Switchboard minted it for
 * an item a client sent without one) goes without.
 *
 * Assistant `output_text` parts keep their `annotations` (url_citation, file_citation, container_file_citation,
 * file_path): OpenAI's input schema takes them back as it gave them (`ResponseOutputText.annotations`, required).
 *
 * Reasoning items without `encrypted_content` carry no state OpenAI can use (a summary alone is not accepted
 * as reasoning state) and are dropped; so, on request, are all reasoning items (the retry after OpenAI could
 * not verify an encrypted blob, e.g. one another vendor produced earlier in the conversation).
 */
import type { Item } from '../../api/items.js';
import { HistoryJson } from '../history-json.js';

const KEEP_ID = new Set(['item_reference', 'mcp_approval_request']);

/** The id prefix OpenAI gives each hosted-tool call it runs. */
const HOSTED_ID_PREFIX: Record<string, string> = {
  web_search_call: 'ws_',
  file_search_call: 'fs_',
  code_interpreter_call: 'ci_',
  image_generation_call: 'ig_',
  mcp_list_tools: 'mcpl_',
  mcp_call: 'mcp_',
};

export interface ConvertInputOptions {
  /** Drop every reasoning item (after OpenAI rejected an encrypted_content it could not verify). */
  dropReasoning?: boolean;
}

export function convertInputItems(items: readonly Item[], opts: ConvertInputOptions = {}): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const item of items) {
    const converted = convertInputItem(item, opts);
    if (converted) out.push(converted);
  }
  return out;
}

/** One item as OpenAI takes it, or null when it is left out (see the rules above). */
export function convertInputItem(item: Item, opts: ConvertInputOptions = {}): Record<string, unknown> | null {
  if (item.type === 'reasoning') {
    if (opts.dropReasoning) return null;
    const encrypted = (item as { encrypted_content?: unknown }).encrypted_content;
    if (typeof encrypted !== 'string' || encrypted === '') return null;
  }
  if (KEEP_ID.has(item.type) || item.id === undefined || isOpenAIHostedId(item)) return { ...item };
  const { id: _id, ...rest } = item;
  return rest;
}

function isOpenAIHostedId(item: Item): boolean {
  const prefix = HOSTED_ID_PREFIX[item.type];
  return prefix !== undefined && typeof item.id === 'string' && item.id.startsWith(prefix);
}

/**
 * The converted input as JSON bytes (comma-separated items, no brackets), the JSON of shared history items
 * remembered from turn to turn (providers/history-json.ts). Items convert one by one, so every item is a
 * boundary. Dropping all reasoning (a rare retry) is not remembered.
 */
export function inputItemsBytes(items: Item[], opts: ConvertInputOptions = {}): Buffer {
  if (opts.dropReasoning) return Buffer.from(convertInputItems(items, opts).map((i) => JSON.stringify(i)).join(','));
  return inputHistory.bytes(items, null);
}

const inputHistory = new HistoryJson<null>({
  groupEnd: (_input, start) => start + 1,
  continuesAcross: () => false,
  convert: (input, start) => convertInputItem(input[start]),
});
