/**
 * Anthropic Messages SSE → ModelEvents.
 *
 * | Anthropic event                                   | ModelEvent                                              |
 * |---------------------------------------------------|---------------------------------------------------------|
 * | message_start                                     | metadata {id, model}; usage remembered                  |
 * | content_block_start text                          | (text-delta only if the block starts with text)         |
 * | content_block_start tool_use                      | tool-call-start (name/namespace/kind via originOf)      |
 * | content_block_start thinking                      | (reasoning starts with its first delta or signature)    |
 * | content_block_start redacted_thinking             | reasoning-signature `redacted_thinking:<data>`          |
 * | delta text_delta                                  | text-delta                                              |
 * | delta input_json_delta                            | tool-call-delta (custom tools: buffered, see below)     |
 * | delta thinking_delta                              | reasoning-summary-delta when reasoning.summary is set,  |
 * |                                                   | else reasoning-delta (Anthropic sends one text either   |
 * |                                                   | way; the client chose where it wants to read it)        |
 * | delta signature_delta                             | buffered; reasoning-signature at content_block_stop     |
 * | content_block_stop                                | tool-call-end {arguments} / reasoning-end               |
 * | message_delta                                     | stop_reason and cumulative usage remembered             |
 * | message_stop                                      | usage, then finish                                      |
 * | ping, unknown events, unknown block/delta types   | ignored                                                 |
 * | error                                             | thrown UpstreamError (status from the error type)       |
 *
 * Custom (free-form) tools travel as `{"input": "…"}` functions; their JSON is buffered and the decoded input
 * is sent as one tool-call-delta at the end. A stream that ends without message_stop is truncated: thrown
 * as `upstream_bad_response`, never reported as a normal finish.
 */
import { UpstreamError } from '../../api/errors.js';
import { customInputFromArguments, originOf, type FlattenedTools } from '../tool-mapping.js';
import type { ModelEvent, Usage } from '../types.js';
import type { SseMessage } from '../sse-messages.js';
import type { AnthropicStreamEvent, AnthropicUsage } from './anthropic-wire-types.js';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js';
import { encodeRedactedThinking, encodeThinking } from './thinking-state-encoding.js';

type BlockState =
  | { kind: 'text' }
  | { kind: 'tool'; callId: string; custom: boolean; args: string; startInput: unknown }
  | { kind: 'thinking'; signature: string; text: string }
  | { kind: 'redacted' }
  | { kind: 'other' };

export interface AnthropicStreamOptions {
  tools: FlattenedTools;
  thinkingAsSummary: boolean;
}

export async function* mapAnthropicStream(sse: AsyncIterable<SseMessage>, opts: AnthropicStreamOptions): AsyncGenerator<ModelEvent> {
  const usage: AnthropicUsage = {};
  const blocks = new Map<number, BlockState>();
  let stopReason: string | null = null;
  let stopped = false;

  for await (const message of sse) {
    if (stopped) continue;
    const ev = parseEvent(message.data);
    switch (ev.type ?? message.event) {
      case 'message_start':
        mergeUsage(usage, ev.message?.usage);
        yield { type: 'metadata', ...(ev.message?.id ? { id: ev.message.id } : {}), ...(ev.message?.model ? { model: ev.message.model } : {}) };
        break;
      case 'content_block_start':
        yield* startBlock(ev, blocks, opts);
        break;
      case 'content_block_delta':
        yield* blockDelta(ev, blocks, opts);
        break;
      case 'content_block_stop':
        yield* stopBlock(ev, blocks);
        break;
      case 'message_delta':
        if (ev.delta?.stop_reason !== undefined) stopReason = ev.delta.stop_reason;
        mergeUsage(usage, ev.usage);
        break;
      case 'message_stop':
        yield { type: 'usage', usage: toUsage(usage) };
        yield { type: 'finish', reason: mapAnthropicStopReason(stopReason), ...(stopReason ? { rawReason: stopReason } : {}) };
        stopped = true;
        break;
      case 'error': {
        const kind = ev.error?.type ?? 'error';
        throw new UpstreamError(`Anthropic stream error (${kind}): ${ev.error?.message ?? 'no message'}`, {
          status: statusForAnthropicErrorType(kind),
        });
      }
      default:
        break; // ping and event types added after this adapter was written
    }
  }
  if (!stopped) {
    throw new UpstreamError('Anthropic stream ended before message_stop', { status: 502, code: 'upstream_bad_response' });
  }
}

function* startBlock(ev: AnthropicStreamEvent, blocks: Map<number, BlockState>, opts: AnthropicStreamOptions): Generator<ModelEvent> {
  const index = ev.index ?? 0;
  const cb = ev.content_block ?? {};
  switch (cb.type) {
    case 'text':
      blocks.set(index, { kind: 'text' });
      if (cb.text) yield { type: 'text-delta', delta: cb.text };
      return;
    case 'tool_use': {
      const callId = cb.id ?? `toolu_${index}`;
      const origin = originOf(opts.tools, cb.name ?? '');
      const custom = origin.kind === 'custom';
      blocks.set(index, { kind: 'tool', callId, custom, args: '', startInput: cb.input });
      yield {
        type: 'tool-call-start',
        callId,
        name: origin.name,
        ...(origin.namespace ? { namespace: origin.namespace } : {}),
        ...(custom ? { kind: 'custom' as const } : {}),
      };
      return;
    }
    case 'thinking':
      blocks.set(index, { kind: 'thinking', signature: cb.signature ?? '', text: cb.thinking ?? '' });
      if (cb.thinking) yield thinkingDelta(cb.thinking, opts);
      return;
    case 'redacted_thinking':
      blocks.set(index, { kind: 'redacted' });
      yield { type: 'reasoning-signature', signature: encodeRedactedThinking(cb.data ?? '') };
      return;
    default:
      blocks.set(index, { kind: 'other' });
  }
}

function* blockDelta(ev: AnthropicStreamEvent, blocks: Map<number, BlockState>, opts: AnthropicStreamOptions): Generator<ModelEvent> {
  const block = blocks.get(ev.index ?? 0);
  const d = ev.delta ?? {};
  if (!block) return;
  if (d.type === 'text_delta' && block.kind === 'text' && d.text) {
    yield { type: 'text-delta', delta: d.text };
  } else if (d.type === 'input_json_delta' && block.kind === 'tool' && d.partial_json) {
    block.args += d.partial_json;
    if (!block.custom) yield { type: 'tool-call-delta', callId: block.callId, delta: d.partial_json };
  } else if (d.type === 'thinking_delta' && block.kind === 'thinking' && d.thinking) {
    block.text += d.thinking;
    yield thinkingDelta(d.thinking, opts);
  } else if (d.type === 'signature_delta' && block.kind === 'thinking' && d.signature) {
    block.signature += d.signature;
  }
}

function* stopBlock(ev: AnthropicStreamEvent, blocks: Map<number, BlockState>): Generator<ModelEvent> {
  const index = ev.index ?? 0;
  const block = blocks.get(index);
  blocks.delete(index);
  if (!block) return;
  if (block.kind === 'tool') {
    const args = block.args || startArguments(block.startInput);
    if (block.custom) {
      const input = customInputFromArguments(args);
      if (input) yield { type: 'tool-call-delta', callId: block.callId, delta: input };
      yield { type: 'tool-call-end', callId: block.callId, arguments: input };
    } else {
      yield { type: 'tool-call-end', callId: block.callId, arguments: args };
    }
  } else if (block.kind === 'thinking') {
    if (block.signature) yield { type: 'reasoning-signature', signature: encodeThinking(block.signature, block.text) };
    yield { type: 'reasoning-end' };
  } else if (block.kind === 'redacted') {
    yield { type: 'reasoning-end' };
  }
}

function thinkingDelta(text: string, opts: AnthropicStreamOptions): ModelEvent {
  return opts.thinkingAsSummary ? { type: 'reasoning-summary-delta', delta: text } : { type: 'reasoning-delta', delta: text };
}

/** In a stream the start block's input is `{}` and the JSON comes as deltas; a filled one is used as is. */
function startArguments(input: unknown): string {
  return input && typeof input === 'object' && Object.keys(input).length > 0 ? JSON.stringify(input) : '{}';
}

function parseEvent(data: string): AnthropicStreamEvent {
  try {
    const v = JSON.parse(data) as unknown;
    return v && typeof v === 'object' ? (v as AnthropicStreamEvent) : {};
  } catch {
    throw new UpstreamError(`Anthropic sent an event that is not JSON: ${data.slice(0, 200)}`, { status: 502, code: 'upstream_bad_response' });
  }
}

function mergeUsage(into: AnthropicUsage, from: AnthropicUsage | null | undefined) {
  if (!from) return;
  for (const key of ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'] as const) {
    const v = from[key];
    if (typeof v === 'number') into[key] = v;
  }
}

/** Anthropic's input_tokens excludes cache reads and writes; Responses' input_tokens includes them. */
function toUsage(u: AnthropicUsage): Usage {
  const cacheRead = u.cache_read_input_tokens ?? 0;
  return {
    inputTokens: (u.input_tokens ?? 0) + cacheRead + (u.cache_creation_input_tokens ?? 0),
    outputTokens: u.output_tokens ?? 0,
    cachedTokens: cacheRead,
  };
}

/** The HTTP status Anthropic uses for each error type (a mid-stream error arrives after the 200). */
export function statusForAnthropicErrorType(type: string): number {
  switch (type) {
    case 'invalid_request_error': return 400;
    case 'authentication_error': return 401;
    case 'billing_error': return 402;
    case 'permission_error': return 403;
    case 'not_found_error': return 404;
    case 'request_too_large': return 413;
    case 'rate_limit_error': return 429;
    case 'overloaded_error': return 529;
    case 'timeout_error': return 504;
    default: return 500;
  }
}
