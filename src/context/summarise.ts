/**
 * Switchboard's own compaction summary: the dropped part of a conversation, written out as a plain transcript,
 * summarised by the request's own model through its provider — an ordinary model call, on every kind.
 */
import { UpstreamError, type ApiError } from '../api/errors.js';
import type { CancelSignal } from '../api/cancellation.js';
import type { CreateParams } from '../api/create-params.js';
import type { Item } from '../api/items.js';
import type { Route } from '../providers/registry.js';

export const SUMMARY_INSTRUCTIONS = [
  'You are compacting a conversation between a user and an AI assistant so it can continue in a smaller context.',
  'Write a concise but complete summary of the transcript below: the user\'s goals and constraints, decisions made,',
  'facts established, tool calls made and what they returned, work finished and work still open.',
  'Write only the summary, in the language of the conversation.',
].join(' ');

/** Each item as one transcript line (text only: media are named, not described). */
export function transcript(items: Item[]): string {
  const lines: string[] = [];
  for (const item of items) {
    const it = item as Record<string, unknown>;
    if (item.type === 'message') lines.push(`${String(it.role)}: ${textOf(it.content)}`);
    else if (item.type === 'reasoning') {
      const s = textOf(it.summary);
      if (s) lines.push(`assistant (reasoning): ${s}`);
    } else if (typeof it.call_id === 'string' && item.type.endsWith('_output')) lines.push(`tool result (${it.call_id}): ${textOf(it.output)}`);
    else if (typeof it.call_id === 'string') {
      lines.push(`assistant called ${String(it.name ?? item.type)} (${it.call_id}): ${String(it.arguments ?? it.input ?? '')}`);
    } else lines.push(`[${item.type}]`);
  }
  return lines.join('\n');
}

function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (!Array.isArray(v)) return '';
  return v.map((p) => {
    if (!p || typeof p !== 'object') return '';
    const part = p as Record<string, unknown>;
    if (typeof part.text === 'string') return part.text;
    if (typeof part.refusal === 'string') return part.refusal;
    return `[${String(part.type)}]`;
  }).filter(Boolean).join(' ');
}

export interface Summary {
  text: string;
  usage: { input: number; output: number };
}

/** Throws ApiError (the provider's refusal or failure, as a create would report it). */
export async function summarise(route: Route, params: CreateParams, items: Item[], signal: CancelSignal): Promise<Summary> {
  const request = {
    model: route.model,
    instructions: SUMMARY_INSTRUCTIONS,
    input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: transcript(items) }] }] as Item[],
    params: { model: params.model, input: null, stream: true } as unknown as CreateParams,
    signal,
  };
  let text = '';
  const usage = { input: 0, output: 0 };
  try {
    for await (const e of await route.provider.stream(request)) {
      if (e.type === 'text-delta') text += e.delta;
      else if (e.type === 'usage') { usage.input = e.usage.inputTokens; usage.output = e.usage.outputTokens; }
    }
  } catch (err) {
    if (err instanceof UpstreamError) throw err.toApiError(route.config.name) as ApiError;
    throw err;
  }
  return { text: text.trim(), usage };
}
