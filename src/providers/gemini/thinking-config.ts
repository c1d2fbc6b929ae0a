/**
 * `reasoning` → Gemini `generationConfig.thinkingConfig`.
 *
 * Gemini 3 models take a `thinkingLevel`; Gemini 2.x models a token `thinkingBudget` (Gemini 3 still accepts a
 * budget, so a model id whose generation cannot be read — `gemini-flash-latest`, a tuned model — gets the budget).
 * The generation is read from the model id: `gemini-<major>…` with major ≥ 3 → level.
 *
 * | reasoning.effort | thinkingLevel (Gemini 3) | thinkingBudget (others) |
 * |------------------|--------------------------|-------------------------|
 * | none             | minimal                  | 0 (thinking off)        |
 * | minimal          | minimal                  | 512                     |
 * | low              | low                      | 1024                    |
 * | medium           | medium                   | 8192                    |
 * | high             | high                     | 24576                   |
 * | xhigh            | high                     | 32768                   |
 * | (not set)        | (model default)          | (model default)         |
 *
 * Gemini 3 cannot switch thinking off, so `none` asks for the least it can do. Values a particular model does
 * not accept (minimal/medium on Gemini 3 Pro, budget 0 on 2.5 Pro, 32768 on Flash) are sent as mapped and the
 * upstream's 400 reaches the client: the mapping is documented, not silently bent.
 *
 * `includeThoughts: true` (thought summaries in the stream) is set when the client asked for a reasoning
 * summary, or set an effort other than `none`.
 */
import type { CreateParams, ReasoningEffort } from '../../api/create-params.js';
import type { GeminiThinkingConfig } from './gemini-wire-types.js';

const LEVELS: Record<ReasoningEffort, NonNullable<GeminiThinkingConfig['thinkingLevel']>> = {
  none: 'minimal', minimal: 'minimal', low: 'low', medium: 'medium', high: 'high', xhigh: 'high',
};

const BUDGETS: Record<ReasoningEffort, number> = {
  none: 0, minimal: 512, low: 1024, medium: 8192, high: 24576, xhigh: 32768,
};

export function usesThinkingLevel(model: string): boolean {
  const major = /(?:^|\/)gemini-(\d+)/i.exec(model)?.[1];
  return major !== undefined && Number(major) >= 3;
}

/** Whether the client wants reasoning summaries (as opposed to raw reasoning text). */
export function wantsReasoningSummary(params: CreateParams): boolean {
  return params.reasoning?.summary != null || params.reasoning?.generate_summary != null;
}

export function thinkingConfigFor(model: string, params: CreateParams): GeminiThinkingConfig | undefined {
  const effort = params.reasoning?.effort ?? params.reasoning_effort ?? null;
  const summary = wantsReasoningSummary(params);
  if (effort === null && !summary) return undefined;
  const config: GeminiThinkingConfig = {};
  if (summary || (effort !== null && effort !== 'none')) config.includeThoughts = true;
  if (effort !== null) {
    if (usesThinkingLevel(model)) config.thinkingLevel = LEVELS[effort];
    else config.thinkingBudget = BUDGETS[effort];
  }
  return config;
}
