/**
 * The model-facing CreateParams keys an `openai-chat` provider honours, and how each reaches the upstream.
 * Service-side keys (store, metadata, previous_response_id, conversation, include, stream, background,
 * truncation, max_tool_calls…) are handled before the adapter and are not listed here.
 *
 * | CreateParams                 | Chat Completions request                                              |
 * |------------------------------|-----------------------------------------------------------------------|
 * | model                        | model (the id after `provider/`)                                      |
 * | instructions                 | leading `system` message                                              |
 * | input                        | messages (convert-to-chat-messages.ts)                                |
 * | tools                        | tools [{type:'function', function}] (namespace/custom flattened)      |
 * | tool_choice                  | tool_choice; allowed_tools → restricted `tools` + mode                |
 * | parallel_tool_calls          | parallel_tool_calls (only when tools are sent)                        |
 * | max_output_tokens            | max_tokens — NOT max_completion_tokens: vLLM, Ollama and llama.cpp    |
 * |                              | only know max_tokens (OpenAI's o-series wants max_completion_tokens)  |
 * | temperature, top_p, seed,    | same names                                                            |
 * | stop, presence_penalty,      |                                                                       |
 * | frequency_penalty, user,     |                                                                       |
 * | service_tier,                |                                                                       |
 * | safety_identifier,           |                                                                       |
 * | prompt_cache_key,            |                                                                       |
 * | prompt_cache_retention       |                                                                       |
 * | top_k, repetition_penalty    | same names (vLLM / llama.cpp / OpenRouter extensions)                 |
 * | top_logprobs                 | NOT listed: ModelEvent has no logprobs yet, so they could not be      |
 * |                              | returned; a request asking for them gets 400 (0 = default is fine)    |
 * | reasoning.effort             | reasoning_effort                                                      |
 * | reasoning.summary            | accepted, not sent: Chat has no summaries; reasoning text streamed    |
 * |                              | by the server comes back as raw reasoning content instead             |
 * | text.format                  | response_format: json_schema {name, schema, strict, description} /    |
 * |                              | json_object; `text` is the default and is not sent                    |
 * | text.verbosity               | verbosity                                                             |
 */
export const OPENAI_CHAT_PARAMS: ReadonlySet<string> = new Set([
  'model',
  'input',
  'instructions',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'max_output_tokens',
  'temperature',
  'top_p',
  'top_k',
  'seed',
  'stop',
  'presence_penalty',
  'frequency_penalty',
  'repetition_penalty',
  'user',
  'reasoning',
  'reasoning_effort',
  'text',
  'service_tier',
  'safety_identifier',
  'prompt_cache_key',
  'prompt_cache_retention',
]);
