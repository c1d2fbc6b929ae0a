/**
 * Chat Completions SSE chunks → ModelEvents.
 *
 * Servers differ in how they stream tool calls (OpenAI: id + name first, then argument fragments; others: the
 * whole call in one chunk, name and arguments together, no id at all), in where reasoning goes
 * (`reasoning_content` or `reasoning`) and in where usage goes (a final `choices: []` chunk, every chunk, or
 * `x_groq.usage`). All of those are accepted. The finish is held until the stream ends so that usage, which
 * OpenAI sends after the finish chunk, is always emitted before it.
 */
import { randomUUID } from 'node:crypto';
import { UpstreamError } from '../../api/errors.js';
import { customInputFromArguments, originOf, type FlattenedTools, type ToolOrigin } from '../tool-mapping.js';
import type { FinishReason, ModelEvent, Usage } from '../types.js';
import type { SseMessage } from '../sse-messages.js';
import { parseJsonChunk } from '../sse-messages.js';
import type { ChatChunk, ChatChunkChoice, ChatCompletion, ChatToolCallDelta, ChatUsageWire } from './chat-wire-types.js';
import { mapChatFinishReason } from './map-chat-finish-reason.js';

interface OpenCall {
  index: number;
  callId: string;
  /** Set once the call has been announced with tool-call-start. */
  origin: ToolOrigin | null;
  /** Every argument fragment so far (custom tools decode it at the end; early fragments wait for the name). */
  args: string;
  ended: boolean;
}

/**
 * `reasoningAsSummary`: the client asked for reasoning summaries (`reasoning.summary`), which Chat Completions
 * cannot produce; the server's raw reasoning is then reported as the summary — the only reasoning text there
 * is — so clients that show only summaries (Codex) show it.
 */
export async function* mapChatStream(
  sse: AsyncIterable<SseMessage>,
  tools: FlattenedTools,
  opts: { reasoningAsSummary?: boolean } = {},
): AsyncGenerator<ModelEvent> {
  const state = new ChatStreamState(tools, opts.reasoningAsSummary === true);
  let done = false;
  try {
    for await (const message of sse) {
      // After [DONE] keep reading to the end of the body, so the keep-alive connection can be reused.
      if (done) continue;
      const data = message.data.trim();
      if (!data) continue;
      if (data === '[DONE]') {
        done = true;
        continue;
      }
      yield* state.onChunk(parseChunk(data));
    }
  } catch (err) {
    if (!done) throw err; // a hiccup after [DONE] loses nothing
  }
  yield* state.onEnd();
}

/**
 * A non-streamed `chat.completion` → the same ModelEvents: its message is read as one chunk whose delta
 * holds everything (whole tool calls included, a form some servers stream anyway).
 */
export async function* mapChatCompletion(
  completion: ChatCompletion,
  tools: FlattenedTools,
  opts: { reasoningAsSummary?: boolean } = {},
): AsyncGenerator<ModelEvent> {
  const state = new ChatStreamState(tools, opts.reasoningAsSummary === true);
  const choice = completion.choices?.[0];
  const message = choice?.message ?? {};
  const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls.map((c, index) => ({ ...c, index })) : null;
  yield* state.onChunk({
    ...completion,
    choices: choice ? [{ index: 0, delta: { ...message, tool_calls: toolCalls }, finish_reason: choice.finish_reason }] : [],
  });
  yield* state.onEnd();
}

class ChatStreamState {
  private modelSent = false;
  private reasoningOpen = false;
  private readonly calls = new Map<number, OpenCall>();
  private lastIndex = -1;
  private finish: { reason: FinishReason; rawReason?: string } | null = null;
  private usage: Usage | null = null;

  constructor(private readonly tools: FlattenedTools, private readonly reasoningAsSummary: boolean) {}

  *onChunk(chunk: ChatChunk): Generator<ModelEvent> {
    const error = streamedError(chunk);
    if (error) throw error;
    if (!this.modelSent && typeof chunk.model === 'string' && chunk.model) {
      this.modelSent = true;
      yield { type: 'metadata', model: chunk.model };
    }
    const usage = chunk.usage ?? chunk.x_groq?.usage;
    if (usage && typeof usage === 'object') this.usage = mapUsage(usage);

    const choice = firstChoice(chunk.choices);
    if (!choice) return;
    const delta = choice.delta ?? {};
    const reasoning = nonEmpty(delta.reasoning_content) ?? nonEmpty(delta.reasoning);
    if (reasoning) {
      this.reasoningOpen = true;
      yield this.reasoningAsSummary ? { type: 'reasoning-summary-delta', delta: reasoning } : { type: 'reasoning-delta', delta: reasoning };
    }
    const content = nonEmpty(delta.content);
    if (content) {
      yield* this.closeReasoning();
      yield { type: 'text-delta', delta: content };
    }
    const refusal = nonEmpty(delta.refusal);
    if (refusal) {
      yield* this.closeReasoning();
      yield { type: 'refusal-delta', delta: refusal };
    }
    if (Array.isArray(delta.tool_calls)) {
      for (const call of delta.tool_calls) yield* this.onToolCallDelta(call);
    }
    if (typeof choice.finish_reason === 'string' && choice.finish_reason && !this.finish) {
      this.finish = mapChatFinishReason(choice.finish_reason);
      yield* this.endCalls();
    }
  }

  *onEnd(): Generator<ModelEvent> {
    if (!this.finish) {
      throw new UpstreamError('stream ended before completion', { code: 'upstream_bad_response' });
    }
    yield* this.endCalls();
    yield* this.closeReasoning();
    if (this.usage) yield { type: 'usage', usage: this.usage };
    yield { type: 'finish', ...this.finish };
  }

  private *closeReasoning(): Generator<ModelEvent> {
    if (this.reasoningOpen) {
      this.reasoningOpen = false;
      yield { type: 'reasoning-end' };
    }
  }

  private *onToolCallDelta(delta: ChatToolCallDelta): Generator<ModelEvent> {
    const index = this.indexOf(delta);
    let call = this.calls.get(index);
    if (!call) {
      call = { index, callId: nonEmpty(delta.id) ?? `call_${randomUUID().replace(/-/g, '')}`, origin: null, args: '', ended: false };
      this.calls.set(index, call);
    }
    this.lastIndex = index;
    if (call.ended) return; // a server repeating a call after the finish: already final

    const fragment = argumentsFragment(delta.function?.arguments);
    const name = nonEmpty(delta.function?.name);
    if (!call.origin && name) {
      yield* this.closeReasoning();
      call.origin = originOf(this.tools, name);
      const start: Extract<ModelEvent, { type: 'tool-call-start' }> = { type: 'tool-call-start', callId: call.callId, name: call.origin.name };
      if (call.origin.namespace) start.namespace = call.origin.namespace;
      if (call.origin.kind === 'custom') start.kind = 'custom';
      yield start;
      // Fragments that arrived before the name.
      if (call.args && call.origin.kind !== 'custom') yield { type: 'tool-call-delta', callId: call.callId, delta: call.args };
    }
    if (!fragment) return;
    call.args += fragment;
    if (call.origin && call.origin.kind !== 'custom') yield { type: 'tool-call-delta', callId: call.callId, delta: fragment };
  }

  /** `index` when the server gives one; otherwise match by id, or continue the last call, or start a new one. */
  private indexOf(delta: ChatToolCallDelta): number {
    if (typeof delta.index === 'number') return delta.index;
    const id = nonEmpty(delta.id);
    if (id) {
      for (const call of this.calls.values()) if (call.callId === id) return call.index;
      return this.nextIndex();
    }
    if (nonEmpty(delta.function?.name) || this.lastIndex < 0) return this.nextIndex();
    return this.lastIndex;
  }

  private nextIndex(): number {
    let max = -1;
    for (const index of this.calls.keys()) max = Math.max(max, index);
    return max + 1;
  }

  private *endCalls(): Generator<ModelEvent> {
    const open = [...this.calls.values()].filter((c) => !c.ended).sort((a, b) => a.index - b.index);
    for (const call of open) {
      call.ended = true;
      if (!call.origin) {
        throw new UpstreamError(`upstream streamed tool call ${call.index} without a function name`, { code: 'upstream_bad_response' });
      }
      const args = call.origin.kind === 'custom' ? customInputFromArguments(call.args) : call.args || '{}';
      yield { type: 'tool-call-end', callId: call.callId, arguments: args };
    }
  }
}

function firstChoice(choices: ChatChunkChoice[] | null | undefined): ChatChunkChoice | undefined {
  if (!Array.isArray(choices) || !choices.length) return undefined;
  return choices.find((c) => (c.index ?? 0) === 0) ?? choices[0];
}

function nonEmpty(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** Arguments are a string fragment on the wire; a few servers send the parsed object instead. */
function argumentsFragment(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') return JSON.stringify(v);
  return '';
}

function mapUsage(u: ChatUsageWire): Usage {
  const usage: Usage = { inputTokens: num(u.prompt_tokens) ?? 0, outputTokens: num(u.completion_tokens) ?? 0 };
  const cached = num(u.prompt_tokens_details?.cached_tokens) ?? num(u.prompt_cache_hit_tokens);
  if (cached !== undefined) usage.cachedTokens = cached;
  const reasoning = num(u.completion_tokens_details?.reasoning_tokens);
  if (reasoning !== undefined) usage.reasoningTokens = reasoning;
  return usage;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** `{"error":{…}}` / `{"error":"…"}` (OpenAI, OpenRouter, llama.cpp) or `{"object":"error",…}` (vLLM). */
function streamedError(chunk: ChatChunk): UpstreamError | null {
  let detail: Record<string, unknown> | null = null;
  if (chunk.error && typeof chunk.error === 'object') detail = chunk.error as Record<string, unknown>;
  else if (typeof chunk.error === 'string') detail = { message: chunk.error };
  else if (chunk.object === 'error') detail = chunk as Record<string, unknown>;
  if (!detail) return null;
  const message = typeof detail.message === 'string' && detail.message ? detail.message : JSON.stringify(detail).slice(0, 300);
  const code = typeof detail.code === 'number' ? detail.code : typeof detail.status === 'number' ? detail.status : null;
  const status = code !== null && code >= 400 && code < 600 ? code : null;
  return new UpstreamError(`upstream failed mid-stream: ${message}`, { status, code: 'upstream_error' });
}

function parseChunk(data: string): ChatChunk {
  return parseJsonChunk<ChatChunk>(data);
}
