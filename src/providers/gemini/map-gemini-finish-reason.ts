/**
 * Gemini `finishReason` / `promptFeedback.blockReason` → FinishReason.
 *
 * | Gemini                                                         | FinishReason                              |
 * |----------------------------------------------------------------|-------------------------------------------|
 * | STOP                                                           | stop, or tool_calls when a call was made  |
 * | MAX_TOKENS                                                     | length                                    |
 * | SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII,       | content_filter                            |
 * | IMAGE_SAFETY, IMAGE_PROHIBITED_CONTENT, IMAGE_RECITATION       |                                           |
 * | promptFeedback.blockReason (the prompt itself was blocked)     | content_filter                            |
 * | MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL, LANGUAGE,       | other (rawReason = Gemini's value)        |
 * | OTHER, anything new                                            |                                           |
 */
import type { FinishReason } from '../types.js';

const CONTENT_FILTER = new Set([
  'SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII',
  'IMAGE_SAFETY', 'IMAGE_PROHIBITED_CONTENT', 'IMAGE_RECITATION',
]);

export function mapGeminiFinishReason(raw: string, madeToolCall: boolean): { reason: FinishReason; rawReason?: string } {
  if (raw === 'STOP') return { reason: madeToolCall ? 'tool_calls' : 'stop' };
  if (raw === 'MAX_TOKENS') return { reason: 'length' };
  if (CONTENT_FILTER.has(raw)) return { reason: 'content_filter', rawReason: raw };
  return { reason: 'other', rawReason: raw };
}
