/**
 * The model-facing CreateParams keys a `gemini` provider honours, and how each reaches the Gemini API.
 * Service-side keys (store, metadata, previous_response_id, include, stream, truncation, max_tool_calls…) are
 * handled before the adapter and are not listed here.
 *
 * | CreateParams              | Gemini generateContent request                                             |
 * |---------------------------|----------------------------------------------------------------------------|
 * | model                     | URL: models/{model}:streamGenerateContent?alt=sse                          |
 * | instructions              | systemInstruction.parts[0]                                                 |
 * | input                     | contents (+ system/developer messages → systemInstruction); see            |
 * |                           | convert-to-gemini-contents.ts                                              |
 * | tools                     | tools[{functionDeclarations}] (namespace/custom flattened, schemas         |
 * |                           | converted: convert-json-schema.ts)                                         |
 * | tool_choice               | toolConfig.functionCallingConfig (prepare-gemini-tools.ts)                 |
 * | parallel_tool_calls       | Gemini has no switch: `false` keeps only the first function call of each   |
 * |                           | response (the one carrying the thought signature); the rest are not shown  |
 * | max_output_tokens         | generationConfig.maxOutputTokens                                           |
 * | temperature, top_p, top_k | generationConfig.temperature / topP / topK                                 |
 * | seed                      | generationConfig.seed                                                      |
 * | stop                      | generationConfig.stopSequences (a string becomes a one-element list)       |
 * | presence_penalty,         | generationConfig.presencePenalty / frequencyPenalty                        |
 * | frequency_penalty         |                                                                            |
 * | reasoning.effort,         | generationConfig.thinkingConfig (thinking-config.ts)                       |
 * | reasoning_effort          |                                                                            |
 * | reasoning.summary         | thinkingConfig.includeThoughts; thoughts stream as summary text            |
 * | text.format json_schema   | responseMimeType application/json + responseJsonSchema (the schema as is)  |
 * | text.format json_object   | responseMimeType application/json                                          |
 * | text.verbosity            | no equivalent: 400 unsupported_parameter (ignored with drop_unsupported)   |
 *
 * Not honoured (so rejected, or dropped with drop_unsupported, by the service): `top_logprobs` (Gemini can
 * return logprobs but no ModelEvent carries them to the client yet), `repetition_penalty`, `service_tier`.
 */
export const GEMINI_PARAMS: ReadonlySet<string> = new Set([
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
  'reasoning',
  'reasoning_effort',
  'text',
]);
