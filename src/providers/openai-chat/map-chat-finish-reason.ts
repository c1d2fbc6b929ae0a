import type { FinishReason } from '../types.js';

/** Chat Completions `finish_reason` → ModelEvent finish. Anything unknown (vLLM `abort`, `eos`…) is `other`. */
export function mapChatFinishReason(raw: string): { reason: FinishReason; rawReason?: string } {
  switch (raw) {
    case 'stop': return { reason: 'stop' };
    case 'length': return { reason: 'length' };
    case 'tool_calls':
    case 'function_call': return { reason: 'tool_calls' };
    case 'content_filter': return { reason: 'content_filter' };
    default: return { reason: 'other', rawReason: raw };
  }
}
