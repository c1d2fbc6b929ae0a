/**
 * Anthropic `stop_reason` → ModelEvent finish reason.
 *
 * | stop_reason                     | finish          |
 * |---------------------------------|-----------------|
 * | end_turn, stop_sequence         | stop            |
 * | max_tokens                      | length          |
 * | model_context_window_exceeded   | length          |
 * | tool_use                        | tool_calls      |
 * | refusal                         | content_filter  |
 * | pause_turn, anything else, null | other           |
 */
import type { FinishReason } from '../types.js';

export function mapAnthropicStopReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'other';
  }
}
