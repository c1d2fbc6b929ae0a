/**
 * OpenAI Responses SSE → ModelEvents. The upstream already streams Switchboard's own event vocabulary, so this
 * is mostly a narrowing: text, refusal, reasoning and tool-call deltas become ModelEvents, annotations become
 * `text-annotation`, and the terminal event gives usage and the finish reason.
 *
 * Items of every other type are hosted tools OpenAI runs itself (web_search_call, file_search_call,
 * code_interpreter_call, image_generation_call, mcp_list_tools, mcp_call, …). Their lifecycle is relayed as
 * `hosted-item-start` (at `output_item.added`), `hosted-item-event` for every event that names the item
 * (`response.web_search_call.searching`, `response.code_interpreter_call_code.delta`, …, and any type OpenAI adds
 * later) and `hosted-item-done`; the builder re-emits them with its own sequence numbers and output indexes.
 * Events about no item (`response.audio.*`) are relayed as `response-event`. Dropped: events the builder makes
 * itself (BUILDER_MADE), events of a type OpenAI may add later that name a message, reasoning or tool-call item
 * (the builder shapes those items itself, so a foreign event about them could contradict its own), and events
 * naming an item never announced. Unknown fields are ignored, so a newer upstream does not break an older
 * Switchboard.
 */
import { UpstreamError } from '../../api/errors.js';
import type { Item } from '../../api/items.js';
import type { FinishReason, ModelEvent, Usage } from '../types.js';
import { parseJsonChunk, type SseMessage } from '../sse-messages.js';

type Json = Record<string, unknown>;

/**
 * Stream events the ResponseBuilder produces itself from the ModelEvents above, in its own order and with its
 * own ids: relaying OpenAI's copies would duplicate them.
 */
const BUILDER_MADE = new Set([
  'response.created', 'response.in_progress', 'response.queued', 'response.completed', 'response.incomplete',
  'response.failed', 'error', 'response.output_item.added', 'response.output_item.done',
  'response.content_part.added', 'response.content_part.done', 'response.output_text.delta',
  'response.output_text.done', 'response.output_text.annotation.added', 'response.refusal.delta',
  'response.refusal.done', 'response.reasoning_text.delta', 'response.reasoning_text.done',
  'response.reasoning_summary_part.added', 'response.reasoning_summary_part.done',
  'response.reasoning_summary_text.delta', 'response.reasoning_summary_text.done',
  'response.function_call_arguments.delta', 'response.function_call_arguments.done',
  'response.custom_tool_call_input.delta', 'response.custom_tool_call_input.done',
]);

/** Fields of an upstream event the builder replaces with its own (obfuscation pads the upstream hop only). */
const ENVELOPE = new Set(['type', 'sequence_number', 'item_id', 'output_index', 'obfuscation']);

interface OutputState {
  kind: 'message' | 'reasoning' | 'call' | 'hosted';
  /** call_id, for tool calls. */
  callId?: string;
  /** The ModelEvent key of a hosted item. */
  key?: string;
  /** Annotations relayed for a message (its `.done` item supplies any the stream did not announce). */
  annotations?: number;
  /** Whether any delta of this item was emitted (else its `.done` item supplies the content). */
  emitted: boolean;
  /** Its `output_item.done` was seen. */
  done?: boolean;
}

export async function* mapResponsesStream(messages: AsyncIterable<SseMessage>): AsyncGenerator<ModelEvent> {
  const byItemId = new Map<string, OutputState>();
  const byIndex = new Map<number, OutputState>();
  let metadataSent = false;
  let sawToolCall = false;

  const track = (data: Json, item: Json, state: OutputState) => {
    if (typeof item.id === 'string') byItemId.set(item.id, state);
    if (typeof data.output_index === 'number') byIndex.set(data.output_index, state);
    return state;
  };
  const find = (data: Json): OutputState | undefined =>
    (typeof data.item_id === 'string' ? byItemId.get(data.item_id) : undefined) ??
    (typeof data.output_index === 'number' ? byIndex.get(data.output_index) : undefined);
  /**
   * The item an event to relay names: by its id when it gives one (never another item that happens to sit at its
   * output_index), by position for an item announced without an id.
   */
  const findNamed = (data: Json): OutputState | undefined => {
    if (typeof data.item_id !== 'string') return find(data);
    const at = typeof data.output_index === 'number' ? byIndex.get(data.output_index) : undefined;
    return byItemId.get(data.item_id) ?? (at?.key?.startsWith('#') ? at : undefined);
  };
  /** Notes that an item streamed content (tracking it here if its `added` event never came). */
  const mark = (data: Json, kind: 'message' | 'reasoning') => {
    const state = find(data) ?? track(data, { id: data.item_id }, { kind, emitted: false });
    state.emitted = true;
  };

  for await (const message of messages) {
    const data = parseJson(message.data);
    if (!data) continue;
    const type = typeof data.type === 'string' ? data.type : message.event;

    switch (type) {
      case 'response.created':
      case 'response.in_progress':
      case 'response.queued': {
        const response = asObject(data.response);
        if (!metadataSent && response) {
          metadataSent = true;
          yield withoutUndefined({ type: 'metadata', model: str(response.model), id: str(response.id) });
        }
        break;
      }

      case 'response.output_item.added': {
        const item = asObject(data.item);
        if (!item) break;
        if (item.type === 'function_call' || item.type === 'custom_tool_call') {
          const state = track(data, item, { kind: 'call', callId: callIdOf(item), emitted: false });
          yield toolCallStart(item, state.callId!);
          const initial = item.type === 'function_call' ? item.arguments : item.input;
          if (typeof initial === 'string' && initial !== '') {
            state.emitted = true;
            yield { type: 'tool-call-delta', callId: state.callId!, delta: initial };
          }
        } else if (item.type === 'message') {
          track(data, item, { kind: 'message', emitted: false });
        } else if (item.type === 'reasoning') {
          track(data, item, { kind: 'reasoning', emitted: false });
        } else if (typeof item.type === 'string') {
          const key = str(item.id) ?? `#${num(data.output_index) ?? byIndex.size}`;
          track(data, item, { kind: 'hosted', key, emitted: false });
          yield { type: 'hosted-item-start', key, item: item as Item };
        }
        break;
      }

      case 'response.output_text.annotation.added': {
        const annotation = asObject(data.annotation);
        if (!annotation) break;
        // Not `mark`: an annotation is not text, and a message whose text comes only in its `.done` item still needs it.
        const state = find(data) ?? track(data, { id: data.item_id }, { kind: 'message', emitted: false });
        state.annotations = (state.annotations ?? 0) + 1;
        yield { type: 'text-annotation', annotation };
        break;
      }

      case 'response.output_text.delta':
        if (typeof data.delta === 'string' && data.delta !== '') {
          mark(data, 'message');
          yield { type: 'text-delta', delta: data.delta };
        }
        break;

      case 'response.refusal.delta':
        if (typeof data.delta === 'string' && data.delta !== '') {
          mark(data, 'message');
          yield { type: 'refusal-delta', delta: data.delta };
        }
        break;

      case 'response.reasoning_text.delta':
        if (typeof data.delta === 'string' && data.delta !== '') {
          mark(data, 'reasoning');
          yield { type: 'reasoning-delta', delta: data.delta };
        }
        break;

      case 'response.reasoning_summary_text.delta':
        if (typeof data.delta === 'string' && data.delta !== '') {
          mark(data, 'reasoning');
          yield { type: 'reasoning-summary-delta', delta: data.delta, summaryIndex: num(data.summary_index) ?? 0 };
        }
        break;

      case 'response.function_call_arguments.delta':
      case 'response.custom_tool_call_input.delta': {
        const state = find(data);
        if (state?.callId && typeof data.delta === 'string' && data.delta !== '') {
          state.emitted = true;
          yield { type: 'tool-call-delta', callId: state.callId, delta: data.delta };
        }
        break;
      }

      case 'response.output_item.done': {
        const item = asObject(data.item);
        if (!item) break;
        const state = find({ item_id: item.id, output_index: data.output_index });
        if (state) state.done = true;
        if (item.type === 'function_call' || item.type === 'custom_tool_call') {
          let callId = state?.callId;
          if (!callId) {
            // No `added` seen for it: open the call here so the builder still gets a complete one.
            callId = callIdOf(item);
            yield toolCallStart(item, callId);
          }
          sawToolCall = true;
          const full = item.type === 'function_call' ? item.arguments : item.input;
          yield typeof full === 'string'
            ? { type: 'tool-call-end', callId, arguments: full }
            : { type: 'tool-call-end', callId };
        } else if (item.type === 'reasoning') {
          yield* reasoningDone(item, state?.emitted ?? false);
        } else if (item.type === 'message') {
          yield* messageContent(item, state?.emitted ?? false, state?.annotations ?? 0);
        } else if (state?.kind === 'hosted' && state.key) {
          yield { type: 'hosted-item-done', key: state.key, item: item as Item };
        } else if (typeof item.type === 'string') {
          yield { type: 'item', item: item as Item };
        }
        break;
      }

      case 'response.completed': {
        yield* closeOpenItems([...byIndex.values(), ...byItemId.values()]);
        const response = asObject(data.response) ?? {};
        const usage = usageOf(response.usage);
        if (usage) yield { type: 'usage', usage };
        yield { type: 'finish', reason: sawToolCall ? 'tool_calls' : 'stop', rawReason: str(response.status) ?? 'completed' };
        return;
      }

      case 'response.incomplete': {
        yield* closeOpenItems([...byIndex.values(), ...byItemId.values()]);
        const response = asObject(data.response) ?? {};
        const usage = usageOf(response.usage);
        if (usage) yield { type: 'usage', usage };
        const reason = str(asObject(response.incomplete_details)?.reason);
        yield { type: 'finish', reason: incompleteReason(reason), rawReason: reason ?? 'incomplete' };
        return;
      }

      case 'response.failed': {
        const error = asObject(asObject(data.response)?.error);
        throw streamFailure(str(error?.code), str(error?.message) ?? 'the upstream response failed');
      }

      case 'error': {
        // Documented flat ({code, message, param}); some servers nest it under `error` as in HTTP bodies.
        const error = asObject(data.error) ?? data;
        throw streamFailure(str(error.code), str(error.message) ?? 'the upstream stream reported an error');
      }

      default: {
        if (!type || BUILDER_MADE.has(type) || !type.startsWith('response.')) break;
        const relayed = relay(type, data, findNamed(data));
        if (relayed) yield relayed;
        break;
      }
    }
  }
  throw new UpstreamError('upstream stream ended before response.completed', { code: 'upstream_bad_response' });
}

/** A hosted item's progress, or an event about no item; null for anything else (see the header). */
function relay(type: string, data: Json, state: OutputState | undefined): ModelEvent | null {
  const fields: Json = {};
  for (const [k, v] of Object.entries(data)) if (!ENVELOPE.has(k)) fields[k] = v;
  const name = type.slice('response.'.length);
  if (state) return state.kind === 'hosted' && state.key && !state.done ? { type: 'hosted-item-event', key: state.key, name, fields } : null;
  const aboutItem = data.item_id !== undefined || data.output_index !== undefined;
  // A `response` field is a snapshot of the upstream's own Response (its id, its output): never the client's.
  return aboutItem || data.response !== undefined ? null : { type: 'response-event', name, fields };
}

/**
 * A response cut short (max_output_tokens) can end without the last item's `output_item.done`: end what was
 * started so the builder never holds a half-open call or reasoning item.
 */
function* closeOpenItems(states: Iterable<OutputState>): Generator<ModelEvent> {
  for (const state of new Set(states)) {
    if (state.done) continue;
    state.done = true;
    if (state.kind === 'call' && state.callId) yield { type: 'tool-call-end', callId: state.callId };
    else if (state.kind === 'reasoning' && state.emitted) yield { type: 'reasoning-end' };
  }
}

function toolCallStart(item: Json, callId: string): ModelEvent {
  return withoutUndefined({
    type: 'tool-call-start',
    callId,
    name: str(item.name) ?? '',
    id: str(item.id),
    namespace: str(item.namespace),
    kind: item.type === 'custom_tool_call' ? 'custom' : 'function',
  });
}

function withoutUndefined<T extends object>(o: T): T {
  for (const key of Object.keys(o) as (keyof T)[]) if (o[key] === undefined) delete o[key];
  return o;
}

function callIdOf(item: Json): string {
  return str(item.call_id) ?? str(item.id) ?? '';
}

/** Reasoning ends as: deltas (here only when none were streamed), then the opaque state, then the end. */
function* reasoningDone(item: Json, emitted: boolean): Generator<ModelEvent> {
  let any = emitted;
  if (!emitted) {
    const summary = Array.isArray(item.summary) ? item.summary : [];
    for (const [i, part] of summary.entries()) {
      const text = str(asObject(part)?.text);
      if (text) { any = true; yield { type: 'reasoning-summary-delta', delta: text, summaryIndex: i }; }
    }
    const content = Array.isArray(item.content) ? item.content : [];
    for (const part of content) {
      const text = str(asObject(part)?.text);
      if (text) { any = true; yield { type: 'reasoning-delta', delta: text }; }
    }
  }
  const encrypted = str(item.encrypted_content);
  if (encrypted) { any = true; yield { type: 'reasoning-signature', signature: encrypted }; }
  // A reasoning item with neither summary nor encrypted state has nothing worth keeping.
  if (any) yield withoutUndefined({ type: 'reasoning-end', id: str(item.id) });
}

/**
 * What of a message only its `.done` item brought: all its content when nothing was streamed, else the
 * annotations past the `announced` ones the stream relayed (an upstream may put citations on the item only).
 */
function* messageContent(item: Json, streamed: boolean, announced: number): Generator<ModelEvent> {
  let seen = 0;
  for (const part of Array.isArray(item.content) ? item.content : []) {
    const p = asObject(part);
    if (!streamed) {
      if (p?.type === 'output_text' && str(p.text)) yield { type: 'text-delta', delta: str(p.text)! };
      else if (p?.type === 'refusal' && str(p.refusal)) yield { type: 'refusal-delta', delta: str(p.refusal)! };
    }
    if (p?.type !== 'output_text' || !Array.isArray(p.annotations)) continue;
    for (const raw of p.annotations) {
      const annotation = asObject(raw);
      if (annotation && seen++ >= announced) yield { type: 'text-annotation', annotation };
    }
  }
}

function usageOf(raw: unknown): Usage | undefined {
  const u = asObject(raw);
  if (!u) return undefined;
  const usage: Usage = { inputTokens: num(u.input_tokens) ?? 0, outputTokens: num(u.output_tokens) ?? 0 };
  const cached = num(asObject(u.input_tokens_details)?.cached_tokens);
  const reasoning = num(asObject(u.output_tokens_details)?.reasoning_tokens);
  if (cached !== undefined) usage.cachedTokens = cached;
  if (reasoning !== undefined) usage.reasoningTokens = reasoning;
  return usage;
}

function incompleteReason(reason: string | undefined): FinishReason {
  if (reason === 'max_output_tokens') return 'length';
  if (reason === 'content_filter') return 'content_filter';
  return 'other';
}

/**
 * A failure reported inside a 200 stream. There is no HTTP status, so the one the code implies is set, letting
 * UpstreamError.toApiError answer as the upstream would have (429 for rate limits, 400 for bad input).
 */
export function streamFailure(code: string | undefined, message: string): UpstreamError {
  const text = code ? `${code}: ${message}` : message;
  if (code === 'rate_limit_exceeded') return new UpstreamError(text, { status: 429, code: 'upstream_rate_limited' });
  if (code && /^(invalid_|image_|unsupported_|empty_image|failed_to_download_image)/.test(code)) {
    return new UpstreamError(text, { status: 400, code: 'upstream_invalid_request' });
  }
  return new UpstreamError(text, { code: 'upstream_error' });
}

/** A `[DONE]` sentinel (some proxies append one) is skipped; anything else that is not a JSON object is a broken stream. */
function parseJson(text: string): Json | undefined {
  return text === '[DONE]' ? undefined : parseJsonChunk<Json>(text);
}

function asObject(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
