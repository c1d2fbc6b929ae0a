/**
 * Responses history items → Anthropic `system` + `messages`.
 *
 * - `instructions`, then every system/developer message (in history order) → top-level `system` text blocks.
 *   Their position in the history is lost: Anthropic has no mid-conversation system turn.
 * - Consecutive items of the same role merge into one message (Anthropic wants strict user/assistant
 *   alternation). Order inside a message is the history order, which is the order Anthropic produced the
 *   blocks in (thinking → text → tool_use), so a reasoning item followed by calls becomes [thinking, tool_use…].
 * - function_call / custom_tool_call → assistant `tool_use` {id: call_id, name: flat name, input}.
 *   `arguments` that are not a JSON object (a weak model's broken JSON, from another provider) become
 *   `{"_raw_arguments": "<the exact text>"}`: Anthropic needs an object, and a 400 would make the whole
 *   conversation unusable; the model still sees exactly what was called.
 * - function_call_output / custom_tool_call_output → `tool_result` in the following user message, first in
 *   that message, ordered like the calls of the preceding assistant message.
 * - reasoning with encrypted_content → `thinking` {thinking, signature} or `redacted_thinking` (see
 *   thinking-state-encoding.ts); the text is `content[].text` joined, else `summary[].text` joined.
 *   Reasoning without encrypted_content (another vendor's, or stored without it) is dropped: Anthropic
 *   rejects unsigned thinking blocks.
 * - Other item types (hosted tool calls such as web_search_call) have no Anthropic form: 400
 *   `unsupported_parameter`, or dropped when the provider is configured with `dropUnsupported`.
 * - Anthropic needs at least one message and a user message first: if the history is empty or starts with
 *   the assistant, a user message with LEADING_USER_TEXT is prepended (the only text Switchboard invents).
 */
import { ApiError } from '../../api/errors.js';
import type { ContentPart, Item, MessageItem, ReasoningItem } from '../../api/items.js';
import { historyCallAsFunction, historyResult } from '../tool-mapping.js';
import type {
  AnthropicContentBlock,
  AnthropicMessage,
  AnthropicTextBlock,
  AnthropicToolResultBlock,
} from './anthropic-wire-types.js';
import { convertContentPart, type PartBlock } from './convert-content-part.js';
import { decodeThinkingState } from './thinking-state-encoding.js';

export const RAW_ARGUMENTS_KEY = '_raw_arguments';
export const LEADING_USER_TEXT = '(continue)';

export interface ConvertedConversation {
  system: AnthropicTextBlock[];
  messages: AnthropicMessage[];
}

interface Draft { role: 'user' | 'assistant'; blocks: AnthropicContentBlock[]; toolResults: AnthropicToolResultBlock[] }

export function convertToAnthropicMessages(
  instructions: string | null,
  items: Item[],
  opts: { dropUnsupported: boolean },
): ConvertedConversation {
  const system: AnthropicTextBlock[] = [];
  if (instructions) system.push({ type: 'text', text: instructions });
  const drafts: Draft[] = [];

  const append = (role: 'user' | 'assistant', block: AnthropicContentBlock) => {
    const last = drafts[drafts.length - 1];
    if (last && last.role === role) last.blocks.push(block);
    else drafts.push({ role, blocks: [block], toolResults: [] });
  };

  items.forEach((item, i) => {
    const param = `input[${i}]`;
    if (item.type === 'message') {
      const msg = item as MessageItem;
      if (msg.role === 'system' || msg.role === 'developer') {
        system.push(...systemBlocks(msg, param));
        return;
      }
      const role = msg.role === 'assistant' ? 'assistant' : 'user';
      msg.content.forEach((part, j) => {
        const block = convertContentPart(part, `${param}.content[${j}]`);
        if (block) append(role, block);
      });
      return;
    }
    const call = historyCallAsFunction(item);
    if (call) {
      append('assistant', { type: 'tool_use', id: call.callId, name: call.name, input: parseToolInput(call.arguments) });
      return;
    }
    const result = historyResult(item);
    if (result) {
      const block = toolResultBlock(result.callId, result.output, `${param}.output`);
      const last = drafts[drafts.length - 1];
      if (last && last.role === 'user') last.toolResults.push(block);
      else drafts.push({ role: 'user', blocks: [], toolResults: [block] });
      return;
    }
    if (item.type === 'reasoning') {
      const block = thinkingBlock(item as ReasoningItem);
      if (block) append('assistant', block);
      return;
    }
    if (opts.dropUnsupported) return;
    throw new ApiError(400, `Input item type '${item.type}' cannot be sent to an Anthropic model.`, {
      param: `${param}.type`,
      code: 'unsupported_parameter',
    });
  });

  const messages = drafts.map((d, k) => finishDraft(d, drafts[k - 1]));
  if (messages.length === 0 || messages[0].role !== 'user') {
    messages.unshift({ role: 'user', content: [{ type: 'text', text: LEADING_USER_TEXT }] });
  }
  return { system, messages };
}

function systemBlocks(msg: MessageItem, param: string): AnthropicTextBlock[] {
  const out: AnthropicTextBlock[] = [];
  msg.content.forEach((part, j) => {
    const block = convertContentPart(part, `${param}.content[${j}]`);
    if (!block) return;
    if (block.type !== 'text') {
      throw new ApiError(400, `Anthropic system prompts take text only; ${msg.role} messages cannot carry '${part.type}'.`, {
        param: `${param}.content[${j}]`,
        code: 'unsupported_parameter',
      });
    }
    out.push(block);
  });
  return out;
}

/** Tool results go first in a user message, in the order of the calls they answer. */
function finishDraft(d: Draft, previous: Draft | undefined): AnthropicMessage {
  if (d.toolResults.length === 0) return { role: d.role, content: d.blocks };
  const callOrder = new Map<string, number>();
  previous?.blocks.forEach((b) => { if (b.type === 'tool_use') callOrder.set(b.id, callOrder.size); });
  const rank = (r: AnthropicToolResultBlock) => callOrder.get(r.tool_use_id) ?? Number.MAX_SAFE_INTEGER;
  const results = d.toolResults
    .map((r, n) => ({ r, n }))
    .sort((a, b) => rank(a.r) - rank(b.r) || a.n - b.n)
    .map((x) => x.r);
  return { role: d.role, content: [...results, ...d.blocks] };
}

export function parseToolInput(args: string): Record<string, unknown> {
  if (args.trim() === '') return {};
  try {
    const v = JSON.parse(args) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* not JSON: kept verbatim below */
  }
  return { [RAW_ARGUMENTS_KEY]: args };
}

function toolResultBlock(callId: string, output: unknown, param: string): AnthropicToolResultBlock {
  const block: AnthropicToolResultBlock = { type: 'tool_result', tool_use_id: callId };
  if (typeof output === 'string') {
    if (output !== '') block.content = output;
    return block;
  }
  if (Array.isArray(output)) {
    const blocks = (output as ContentPart[])
      .map((part, j) => convertContentPart(part, `${param}[${j}]`))
      .filter((b): b is PartBlock => b !== null);
    if (blocks.length > 0) block.content = blocks;
    return block;
  }
  if (output !== undefined && output !== null) block.content = JSON.stringify(output);
  return block;
}

function thinkingBlock(item: ReasoningItem): AnthropicContentBlock | null {
  const encrypted = item.encrypted_content;
  if (typeof encrypted !== 'string' || encrypted === '') return null;
  const state = decodeThinkingState(encrypted);
  if (state.kind === 'redacted') return { type: 'redacted_thinking', data: state.data };
  // The text sealed with the signature is the exact original; the item's own text is the fallback.
  if (state.text !== undefined) return { type: 'thinking', thinking: state.text, signature: state.signature };
  const content = Array.isArray(item.content) ? item.content : [];
  const text = content.length > 0
    ? content.map((c) => c.text ?? '').join('')
    : (item.summary ?? []).map((s) => s.text ?? '').join('');
  return { type: 'thinking', thinking: text, signature: state.signature };
}
