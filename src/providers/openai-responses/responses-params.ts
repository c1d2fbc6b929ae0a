/**
 * The CreateParams keys an `openai` provider (OpenAI's own Responses API upstream) honours. The upstream speaks
 * Switchboard's own wire format, so almost everything is forwarded unchanged; what is listed here was checked
 * against `ResponseCreateParamsBase` in the installed `openai` SDK (6.30.1) — `max_tool_calls` and
 * `top_logprobs` are missing there but present on the same body in `ResponsesClientEvent` (the WebSocket
 * `response.create`) and in OpenAI's API reference.
 *
 * | CreateParams            | Responses request                                                          |
 * |-------------------------|----------------------------------------------------------------------------|
 * | model                   | model (the id after `provider/`)                                           |
 * | input                   | input: the whole history (convert-input-items.ts strips ids)              |
 * | instructions            | instructions                                                               |
 * | include                 | include + `reasoning.encrypted_content` (always, for reasoning models)    |
 * | tools                   | tools, every type unchanged (OpenAI runs hosted tools itself)             |
 * | tool_choice,            | same names, unchanged                                                      |
 * | parallel_tool_calls,    |                                                                            |
 * | max_output_tokens,      |                                                                            |
 * | max_tool_calls,         |                                                                            |
 * | temperature, top_p,     |                                                                            |
 * | reasoning, text,        |                                                                            |
 * | truncation,             |                                                                            |
 * | service_tier, user,     |                                                                            |
 * | safety_identifier,      |                                                                            |
 * | prompt_cache_key,       |                                                                            |
 * | prompt_cache_retention, |                                                                            |
 * | prompt                  |                                                                            |
 * | reasoning_effort        | already merged into reasoning.effort by the validator; never sent itself  |
 * | (always)                | store: false, stream: true, stream_options.include_obfuscation: false     |
 *
 * Not honoured, so absent (the service rejects them, or drops them when configured):
 * | seed, stop, top_k,      | not accepted by OpenAI's Responses API: absent from the SDK's create      |
 * | repetition_penalty,     | params and from `ResponsesClientEvent`                                    |
 * | presence_penalty,       |                                                                            |
 * | frequency_penalty       |                                                                            |
 * | top_logprobs            | OpenAI accepts it, but ModelEvent `text-delta` has no place for logprobs, |
 * |                         | so they would be computed upstream and silently lost on the way back      |
 * | context_management      | Switchboard compacts itself, for every kind (context/context-manager.ts): |
 * |                         | its sealed items are summaries only it can read                           |
 * | client_metadata,        | not part of OpenAI's create params                                        |
 * | safeguards              |                                                                            |
 * Service-side (handled before the adapter, never forwarded): previous_response_id, conversation, store,
 * stream, stream_options, background, metadata.
 */
export const OPENAI_RESPONSES_PARAMS: ReadonlySet<string> = new Set([
  'model',
  'input',
  'instructions',
  'include',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'max_output_tokens',
  'max_tool_calls',
  'temperature',
  'top_p',
  'reasoning',
  'reasoning_effort',
  'text',
  'truncation',
  'service_tier',
  'user',
  'safety_identifier',
  'prompt_cache_key',
  'prompt_cache_retention',
  'prompt',
]);

/** The keys copied verbatim from CreateParams into the upstream body (when set and not null). */
export const FORWARDED_PARAMS = [
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'max_output_tokens',
  'max_tool_calls',
  'temperature',
  'top_p',
  'reasoning',
  'text',
  'truncation',
  'service_tier',
  'user',
  'safety_identifier',
  'prompt_cache_key',
  'prompt_cache_retention',
  'prompt',
] as const;
