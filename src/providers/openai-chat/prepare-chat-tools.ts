/**
 * Flattened tools + Responses `tool_choice` → Chat Completions `tools` / `tool_choice`.
 *
 * Namespace functions travel as `<namespace>__<name>` and custom tools as functions taking `{"input": …}`
 * (see tool-mapping.ts), so a choice naming either is rewritten to that flat name. `allowed_tools` has no Chat
 * equivalent: the tool list itself is restricted to the allowed ones and its mode becomes the choice.
 */
import type { ToolChoice } from '../../api/create-params.js';
import type { FlattenedTools } from '../tool-mapping.js';
import { allowedFlatNames, flatNameOf, unsupportedToolChoice } from '../tool-mapping.js';
import type { ChatTool, ChatToolChoice } from './chat-wire-types.js';

export interface ChatToolsPart {
  tools?: ChatTool[];
  tool_choice?: ChatToolChoice;
}

export function prepareChatTools(
  flat: FlattenedTools,
  choice: ToolChoice | null | undefined,
  dropUnsupported: boolean,
  provider: string,
): ChatToolsPart {
  let functions = flat.functions;
  let chatChoice: ChatToolChoice | undefined;

  if (choice === 'none' || choice === 'auto' || choice === 'required') {
    chatChoice = choice;
  } else if (choice && typeof choice === 'object') {
    const c = choice as Record<string, unknown>;
    if (c.type === 'function' || c.type === 'custom') {
      chatChoice = { type: 'function', function: { name: flatNameOf(c) } };
    } else if (c.type === 'allowed_tools') {
      const allowed = allowedFlatNames(flat, (c.tools as Record<string, unknown>[] | undefined) ?? []);
      functions = functions.filter((f) => allowed.has(f.name));
      chatChoice = c.mode === 'required' ? 'required' : 'auto';
    } else if (!dropUnsupported) {
      throw unsupportedToolChoice(c.type, provider);
    }
  }

  // Chat servers reject a tool_choice without tools; with no tools there is nothing to choose anyway.
  if (!functions.length) return {};
  const tools: ChatTool[] = functions.map((f) => {
    const fn: ChatTool['function'] = { name: f.name, parameters: f.parameters };
    if (f.description !== undefined) fn.description = f.description;
    if (f.strict !== undefined) fn.strict = f.strict;
    return { type: 'function', function: fn };
  });
  return chatChoice ? { tools, tool_choice: chatChoice } : { tools };
}

