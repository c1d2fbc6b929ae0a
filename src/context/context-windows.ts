/**
 * How many tokens a model's context holds (input and output together), for `truncation: "auto"` and the
 * `context_length_exceeded` check on providers that do not truncate themselves. A provider's
 * `context_windows: {model: tokens}` wins; then the built-in defaults below; then the provider's
 * `default_context_window`; then `server.default_context_window`.
 */
import type { ProviderConfig } from '../config/types.js';

/**
 * DEFAULTS, not authorities: context sizes as each vendor documents them for its API, matched on the model id
 * (the part after any `org/` prefix, case-insensitive), first match wins. Where a vendor offers a larger window
 * only behind an opt-in (Anthropic's 1M beta, Qwen's YaRN) the standard one is listed. Configure your own
 * `context_windows` for anything served differently (a local server started with a smaller `--ctx-size`).
 */
export const BUILT_IN_CONTEXT_WINDOWS: readonly (readonly [pattern: RegExp, tokens: number])[] = [
  // OpenAI
  [/^gpt-4\.1/, 1_047_576],
  [/^gpt-4o/, 128_000],
  [/^chatgpt-4o/, 128_000],
  [/^gpt-5/, 400_000],
  [/^o1-(mini|preview)/, 128_000],
  [/^o[134](-|$)/, 200_000],
  // Anthropic
  [/^claude-(3|opus-4|sonnet-4|haiku-4|4)/, 200_000],
  // Google
  [/^gemini-1\.5-pro/, 2_097_152],
  [/^gemini-(1\.5|2\.0|2\.5|3)/, 1_048_576],
  // Meta (3.0: 8K; 3.1 and later: 128K)
  [/^(meta-)?llama-?3\.[1-9]/, 131_072],
  [/^(meta-)?llama-?3(\b|-|:)/, 8_192],
  // Qwen: the native window (longer ones need YaRN configured on the server)
  [/^qwen(2\.5|3)/, 32_768],
  // Mistral
  [/^(mistral-large|mistral-nemo|open-mistral-nemo)/, 131_072],
  // DeepSeek's API (the smaller of the sizes it has documented for deepseek-chat / deepseek-reasoner)
  [/^deepseek-(chat|reasoner)/, 65_536],
];

/** The window for `model` (the upstream's own id) on `provider`; `fallback` when nothing names it. */
export function contextWindowFor(provider: ProviderConfig, model: string, fallback: number): number {
  const configured = provider.contextWindows;
  if (configured && Object.hasOwn(configured, model)) return configured[model];
  const bare = model.slice(model.lastIndexOf('/') + 1).toLowerCase();
  for (const [pattern, tokens] of BUILT_IN_CONTEXT_WINDOWS) if (pattern.test(bare)) return tokens;
  return provider.defaultContextWindow ?? fallback;
}
