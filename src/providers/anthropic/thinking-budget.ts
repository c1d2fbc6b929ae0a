/**
 * `reasoning.effort` → Anthropic extended thinking, and the `max_tokens` that goes with it.
 *
 * | effort   | thinking                                  |
 * |----------|-------------------------------------------|
 * | (unset)  | not sent (Anthropic's default: no thinking) |
 * | none     | {type:'disabled'}                         |
 * | minimal  | {type:'enabled', budget_tokens: 1024}     |
 * | low      | {type:'enabled', budget_tokens: 2048}     |
 * | medium   | {type:'enabled', budget_tokens: 8192}     |
 * | high     | {type:'enabled', budget_tokens: 16384}    |
 * | xhigh    | {type:'enabled', budget_tokens: 32000}    |
 *
 * `max_tokens` (Anthropic counts thinking in it, as Responses counts reasoning in `max_output_tokens`):
 * - client set `max_output_tokens` → used as is; if it is ≤ the budget the budget shrinks to
 *   `max_output_tokens - 1`, and below Anthropic's 1024 minimum that is a 400 naming `max_output_tokens`;
 * - otherwise `DEFAULT_MAX_TOKENS`, plus the budget when thinking is on (room for the answer after thinking).
 * A model whose output limit is below that sum (e.g. xhigh on a 32k-output model) is refused by Anthropic.
 */
import { ApiError } from '../../api/errors.js';
import type { ReasoningEffort } from '../../api/create-params.js';
import type { AnthropicThinking } from './anthropic-wire-types.js';

/** `max_tokens` when the client sets no `max_output_tokens` (Anthropic requires the field). */
export const DEFAULT_MAX_TOKENS = 4096;
/** Anthropic's smallest accepted `budget_tokens`. */
export const MIN_THINKING_BUDGET = 1024;

export const THINKING_BUDGETS: Readonly<Record<Exclude<ReasoningEffort, 'none'>, number>> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 16384,
  xhigh: 32000,
};

export interface ThinkingPlan {
  thinking: AnthropicThinking | undefined;
  maxTokens: number;
  /** True when thinking is enabled (it restricts temperature, top_k, top_p and tool_choice). */
  enabled: boolean;
}

export function planThinking(effort: ReasoningEffort | null | undefined, maxOutputTokens: number | null | undefined): ThinkingPlan {
  const clientMax = typeof maxOutputTokens === 'number' ? maxOutputTokens : undefined;
  if (!effort) return { thinking: undefined, maxTokens: clientMax ?? DEFAULT_MAX_TOKENS, enabled: false };
  if (effort === 'none') return { thinking: { type: 'disabled' }, maxTokens: clientMax ?? DEFAULT_MAX_TOKENS, enabled: false };
  const budget = THINKING_BUDGETS[effort];
  if (budget === undefined) {
    throw new ApiError(400, `Unknown reasoning effort '${String(effort)}'.`, { param: 'reasoning.effort', code: 'invalid_value' });
  }
  if (clientMax === undefined) {
    return { thinking: { type: 'enabled', budget_tokens: budget }, maxTokens: budget + DEFAULT_MAX_TOKENS, enabled: true };
  }
  const fitted = clientMax > budget ? budget : clientMax - 1;
  if (fitted < MIN_THINKING_BUDGET) {
    throw new ApiError(400,
      `max_output_tokens must be greater than ${MIN_THINKING_BUDGET} when reasoning.effort is '${effort}': Anthropic needs at least ${MIN_THINKING_BUDGET} thinking tokens plus room for the answer.`,
      { param: 'max_output_tokens', code: 'invalid_value' });
  }
  return { thinking: { type: 'enabled', budget_tokens: fitted }, maxTokens: clientMax, enabled: true };
}
