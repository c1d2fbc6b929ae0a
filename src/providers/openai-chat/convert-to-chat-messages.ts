/**
 * Responses items → Chat Completions `messages`.
 *
 * Chat Completions has one assistant message per model turn, so every run of consecutive assistant-side items
 * (reasoning, assistant messages, function/custom tool calls) becomes ONE assistant message: text in
 * `content`, refusals in `refusal`, calls in `tool_calls`, reasoning text in `reasoning_content` (the
 * DeepSeek / vLLM convention; servers that do not know it ignore it). Tool results follow as `tool` messages.
 * Reasoning that no assistant output follows (an interrupted turn) has nowhere to go and is left out;
 * `encrypted_content` is vendor state no Chat server can read, so it is never sent.
 */
import { ApiError } from '../../api/errors.js';
import type { ContentPart, Item, MessageItem, ReasoningItem } from '../../api/items.js';
import { historyCallAsFunction, historyResult } from '../tool-mapping.js';
import { HistoryJson } from '../history-json.js';
import type { ChatAssistantMessage, ChatContentPart, ChatMessage, ChatToolCall } from './chat-wire-types.js';

/** The assistant turn being assembled from consecutive assistant-side items. */
interface AssistantRun {
  texts: string[];
  refusals: string[];
  reasoning: string[];
  /** Reasoning not yet followed by assistant output: it joins `reasoning` when output comes, else it is left out. */
  pendingReasoning: string[];
  calls: ChatToolCall[];
}

export function convertToChatMessages(instructions: string | null, input: Item[], provider: string): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (instructions) messages.push({ role: 'system', content: instructions });
  for (let start = 0; start < input.length;) {
    const end = groupEnd(input, start);
    const message = convertGroup(input, start, end, provider);
    if (message) messages.push(message);
    start = end;
  }
  return messages;
}

/**
 * The same messages as JSON bytes: comma-separated, no brackets, no instructions (empty when there are
 * none). The JSON of shared history items is remembered from turn to turn (see providers/history-json.ts);
 * a message boundary only counts if no assistant run continues across it (Chat merges such runs).
 */
export function chatMessagesBytes(input: Item[], provider: string): Buffer {
  return chatHistory.bytes(input, provider);
}

const chatHistory = new HistoryJson<string>({
  groupEnd,
  continuesAcross: (input, b) => isAssistantSide(input[b - 1]) && isAssistantSide(input[b]),
  convert: convertGroup,
});

/** Reasoning, assistant messages and tool calls: the items that make up one assistant turn. */
function isAssistantSide(item: Item): boolean {
  return item.type === 'reasoning' ||
    (item.type === 'message' && (item as MessageItem).role === 'assistant') ||
    historyCallAsFunction(item) !== null;
}

/** One Chat message's items start at `start`: a run of assistant-side items, or a single other item. */
function groupEnd(input: Item[], start: number): number {
  if (!isAssistantSide(input[start])) return start + 1;
  let end = start + 1;
  while (end < input.length && isAssistantSide(input[end])) end++;
  return end;
}

/** The Chat message for items [start, end), or null (reasoning that no assistant output follows). */
function convertGroup(input: Item[], start: number, end: number, provider: string): ChatMessage | null {
  const item = input[start];
  if (!isAssistantSide(item)) {
    const result = historyResult(item);
    if (result) return { role: 'tool', tool_call_id: result.callId, content: toolOutputContent(result.output, start, provider) };
    if (item.type === 'message') return nonAssistantMessage(item as MessageItem, start, provider);
    throw unsupported(`Input item type '${item.type}' (input item ${start}) cannot be sent to provider '${provider}', ` +
      'which speaks Chat Completions.');
  }
  const run: AssistantRun = { texts: [], refusals: [], reasoning: [], pendingReasoning: [], calls: [] };
  /** Assistant output takes the reasoning that preceded it. */
  const takeReasoning = () => { run.reasoning.push(...run.pendingReasoning.splice(0)); };
  for (let i = start; i < end; i++) {
    const it = input[i];
    if (it.type === 'reasoning') {
      const text = reasoningTextOf(it as ReasoningItem);
      if (text) run.pendingReasoning.push(text);
    } else if (it.type === 'message') {
      takeReasoning();
      for (const part of (it as MessageItem).content) addAssistantPart(run, part, i);
    } else {
      const call = historyCallAsFunction(it)!;
      takeReasoning();
      run.calls.push({ id: call.callId, type: 'function', function: { name: call.name, arguments: call.arguments } });
    }
  }
  return assistantMessageOf(run);
}

function assistantMessageOf(run: AssistantRun): ChatAssistantMessage | null {
  if (!run.texts.length && !run.refusals.length && !run.calls.length) return null; // reasoning alone: nothing to attach it to
  const message: ChatAssistantMessage = { role: 'assistant', content: run.texts.length ? run.texts.join('\n\n') : null };
  if (run.refusals.length) message.refusal = run.refusals.join('\n\n');
  if (run.reasoning.length) message.reasoning_content = run.reasoning.join('\n\n');
  if (run.calls.length) message.tool_calls = run.calls;
  return message;
}

function addAssistantPart(run: AssistantRun, part: ContentPart, index: number) {
  if (part.type === 'output_text' || part.type === 'input_text') run.texts.push(part.text);
  else if (part.type === 'refusal') run.refusals.push(part.refusal);
  else throw unsupported(`Assistant messages can only hold text and refusals in Chat Completions; input item ${index} has a '${part.type}' part.`);
}

/** Raw reasoning text when the item has it, else its summary (what the model showed of its thinking). */
function reasoningTextOf(item: ReasoningItem): string {
  const content = (item.content ?? []).map((c) => c.text).join('');
  if (content) return content;
  return (item.summary ?? []).map((s) => s.text).join('\n\n');
}

function nonAssistantMessage(item: MessageItem, index: number, provider: string): ChatMessage {
  if (item.role === 'system' || item.role === 'developer') {
    // Most non-OpenAI servers reject the `developer` role; `system` means the same to them.
    const texts = item.content.map((part) => {
      if (part.type === 'input_text' || part.type === 'output_text') return part.text;
      throw unsupported(`${item.role} messages can only hold text; input item ${index} has a '${part.type}' part.`);
    });
    return { role: 'system', content: texts.join('\n') };
  }
  const parts = item.content.map((part) => toChatPart(part, index, provider));
  const allText = parts.every((p) => p.type === 'text');
  return { role: 'user', content: allText ? parts.map((p) => (p as { text: string }).text).join('\n') : parts };
}

/** One user-side content part (user messages and tool results). */
function toChatPart(part: ContentPart, index: number, provider: string): ChatContentPart {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: part.text };
    case 'input_image': {
      if (!part.image_url) throw filesApiNeeded('input_image', index, provider);
      const image_url: { url: string; detail?: string } = { url: part.image_url };
      if (part.detail) image_url.detail = part.detail;
      return { type: 'image_url', image_url };
    }
    case 'input_file': {
      if (part.file_data) {
        const file: { filename?: string; file_data: string } = { file_data: part.file_data };
        if (part.filename) file.filename = part.filename;
        return { type: 'file', file };
      }
      if (part.file_url) {
        throw unsupported(`input_file with file_url (input item ${index}) cannot be sent to provider '${provider}': ` +
          'Chat Completions only accepts inline file_data.');
      }
      throw filesApiNeeded('input_file', index, provider);
    }
    default:
      throw unsupported(`Content part type '${(part as { type: string }).type}' (input item ${index}) cannot be sent to provider '${provider}'.`);
  }
}

/** A tool result: a string as is; parts → concatenated text, or a parts array when images/files are among them. */
function toolOutputContent(output: unknown, index: number, provider: string): string | ChatContentPart[] {
  if (typeof output === 'string') return output;
  if (!Array.isArray(output)) return JSON.stringify(output ?? '');
  const parts = (output as ContentPart[]).map((part) => toChatPart(part, index, provider));
  if (parts.every((p) => p.type === 'text')) return parts.map((p) => (p as { text: string }).text).join('');
  return parts;
}

function filesApiNeeded(partType: string, index: number, provider: string): ApiError {
  return unsupported(`${partType} with file_id (input item ${index}) needs the Files API, which provider '${provider}' ` +
    'cannot resolve yet: send the content inline (image_url / file_data) instead.');
}

function unsupported(message: string): ApiError {
  return new ApiError(400, message, { param: 'input', code: 'unsupported_parameter' });
}
