/**
 * Input-token counting for the `openai-chat` kind. Chat Completions servers (vLLM, Ollama, llama.cpp, Groq…)
 * have no count endpoint, so the count is made locally with `gpt-tokenizer` (o200k_base, the GPT-4o / GPT-5
 * tokenizer) over the exact `messages` and `tools` build-chat-request.ts would send.
 *
 * It is an ESTIMATE: exact for OpenAI's o200k models up to the formatting overheads below, but models with
 * other tokenizers (Llama, Qwen, Mistral, DeepSeek…) split text differently, typically by ±10–30%.
 *
 * Rule (OpenAI cookbook, "How to count tokens with tiktoken"):
 * - every message: 3 tokens of framing + the tokens of each of its string fields (role, content, name, +1 for
 *   a name); non-string fields count their text: text parts, tool calls' id + name + arguments;
 * - 3 tokens priming the reply;
 * - tools: the tokens of their JSON (`tools` as sent);
 * - image parts: IMAGE_TOKENS each (OpenAI's cost of a low-detail image; high detail costs more);
 * - file parts: their filename plus a quarter of their decoded size (a rough bytes-per-token guess).
 * Special-token strings (`<|endoftext|>`) in user text are counted as plain text, never refused.
 */
import type { ProviderConfig } from '../../config/types.js';
import { flattenTools } from '../tool-mapping.js';
import type { ModelRequest } from '../types.js';
import { buildChatRequest } from './build-chat-request.js';
import type { ChatContentPart, ChatMessage } from './chat-wire-types.js';

export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_NAME = 1;
export const REPLY_PRIMING_TOKENS = 3;
export const IMAGE_TOKENS = 85;

type Count = (text: string) => number;

/** Loaded on first use: the BPE tables take ~250 ms to load, which startup should not pay for an unused feature. */
let tokenizer: Promise<Count> | null = null;

function loadTokenizer(): Promise<Count> {
  tokenizer ??= import('gpt-tokenizer').then((m) => {
    const options = { disallowedSpecial: new Set<string>() };
    return (text: string) => (text ? m.countTokens(text, options) : 0);
  });
  return tokenizer;
}

export async function estimateChatInputTokens(config: ProviderConfig, request: ModelRequest): Promise<number> {
  const tools = flattenTools(request.params.tools, config.dropUnsupported, config.name);
  const body = buildChatRequest(request, tools, { provider: config.name, dropUnsupported: config.dropUnsupported });
  const count = await loadTokenizer();
  let total = REPLY_PRIMING_TOKENS;
  for (const message of body.messages) total += messageTokens(message, count);
  if (body.tools?.length) total += count(JSON.stringify(body.tools));
  return total;
}

function messageTokens(message: ChatMessage, count: Count): number {
  let n = TOKENS_PER_MESSAGE;
  for (const [key, value] of Object.entries(message)) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'string') {
      n += count(value);
      if (key === 'name') n += TOKENS_PER_NAME;
    } else if (key === 'content' && Array.isArray(value)) {
      for (const part of value as ChatContentPart[]) n += partTokens(part, count);
    } else if (key === 'tool_calls' && Array.isArray(value)) {
      for (const call of value as { id?: string; function?: { name?: string; arguments?: string } }[]) {
        n += count(call.id ?? '') + count(call.function?.name ?? '') + count(call.function?.arguments ?? '');
      }
    } else {
      n += count(JSON.stringify(value));
    }
  }
  return n;
}

function partTokens(part: ChatContentPart, count: Count): number {
  switch (part.type) {
    case 'text': return count(part.text);
    case 'image_url': return IMAGE_TOKENS;
    case 'file': return count(part.file.filename ?? '') + Math.ceil(decodedSize(part.file.file_data) / 4);
    default: return count(JSON.stringify(part));
  }
}

/** Bytes behind a base64 payload (a `data:` URL or bare base64). */
function decodedSize(data: string): number {
  const comma = data.startsWith('data:') ? data.indexOf(',') : -1;
  const b64 = comma >= 0 ? data.slice(comma + 1) : data;
  return Math.floor((b64.length * 3) / 4);
}
