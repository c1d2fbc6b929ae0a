/**
 * The `openai-chat` provider kind: any server speaking OpenAI Chat Completions (vLLM, Ollama, llama.cpp,
 * Groq, OpenRouter, Together, DeepSeek…). POSTs `${baseUrl}/chat/completions`, streamed when the client
 * streams (`stream: true` + `stream_options.include_usage`), else one `chat.completion` answer.
 */
import type { ProviderConfig } from '../../config/types.js';
import { flattenTools, FUNCTION_TOOL_TYPES } from '../tool-mapping.js';
import type { ModelEvent, ModelRequest, Provider } from '../types.js';
import { JsonBody, UpstreamClient } from '../upstream-http.js';
import { chatRequestBytes } from './build-chat-request.js';
import { OPENAI_CHAT_PARAMS } from './chat-params.js';
import { estimateChatInputTokens } from './estimate-chat-input-tokens.js';
import type { ChatCompletion } from './chat-wire-types.js';
import { mapChatCompletion, mapChatStream } from './map-chat-stream.js';

export { OPENAI_CHAT_PARAMS } from './chat-params.js';

export function createOpenAIChatProvider(config: ProviderConfig): Provider {
  const client = new UpstreamClient(config);
  // A configured Authorization header (a gateway's own scheme) wins over the Bearer key.
  const hasOwnAuth = Object.keys(config.headers).some((h) => h.toLowerCase() === 'authorization');
  const authHeaders: Record<string, string> = config.apiKey && !hasOwnAuth ? { authorization: `Bearer ${config.apiKey}` } : {};

  return {
    name: config.name,
    kind: 'openai-chat',
    supportedParams: OPENAI_CHAT_PARAMS,
    supportedToolTypes: FUNCTION_TOOL_TYPES,
    countInputTokens: (request) => estimateChatInputTokens(config, request),
    async stream(request: ModelRequest): Promise<AsyncIterable<ModelEvent>> {
      const tools = flattenTools(request.params.tools, config.dropUnsupported, config.name);
      const body = new JsonBody(chatRequestBytes(request, tools, { provider: config.name, dropUnsupported: config.dropUnsupported }));
      const opts = { reasoningAsSummary: request.params.reasoning?.summary != null };
      if (request.params.stream !== true) {
        const completion = await client.json<ChatCompletion>('POST', '/chat/completions', body, authHeaders, request.signal);
        return mapChatCompletion(completion, tools, opts);
      }
      const sse = await client.postSse('/chat/completions', body, authHeaders, request.signal);
      return mapChatStream(sse, tools, opts);
    },
  };
}
