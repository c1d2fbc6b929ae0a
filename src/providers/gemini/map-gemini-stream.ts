/**
 * Gemini `streamGenerateContent?alt=sse` → ModelEvents. Every SSE `data:` is a whole GenerateContentResponse;
 * only `candidates[0]` is read (Switchboard never asks for more).
 *
 * | Gemini part / field                     | ModelEvents                                                       |
 * |-----------------------------------------|-------------------------------------------------------------------|
 * | {text, thought:true}                    | reasoning-summary-delta (client asked for a summary) or           |
 * |                                         | reasoning-delta                                                   |
 * | {text}                                  | text-delta (reasoning-end first)                                  |
 * | {functionCall}                          | tool-call-start + tool-call-end(JSON.stringify(args)) — Gemini    |
 * |                                         | sends calls whole; custom tools get their decoded raw input       |
 * | thoughtSignature on any of those        | reasoning-signature + reasoning-end, one signature per reasoning  |
 * |                                         | item, placed as thought-signature.ts describes (before the call   |
 * |                                         | or text it belongs to; after text it arrived at the end of)       |
 * | finishReason                            | finish (map-gemini-finish-reason.ts), held to the end             |
 * | promptFeedback.blockReason              | finish content_filter                                             |
 * | usageMetadata (last one wins)           | usage: input = promptTokenCount, output = candidatesTokenCount +  |
 * |                                         | thoughtsTokenCount, cached = cachedContentTokenCount,             |
 * |                                         | reasoning = thoughtsTokenCount                                    |
 * | modelVersion, responseId                | metadata                                                          |
 * | {error:{code,message,status}}           | thrown UpstreamError                                              |
 *
 * Parts Switchboard cannot show (inlineData images, executableCode…) are skipped.
 */
import { UpstreamError } from '../../api/errors.js';
import { customInputFromArguments, originOf, type FlattenedTools } from '../tool-mapping.js';
import type { ModelEvent, Usage } from '../types.js';
import type { SseMessage } from '../sse-messages.js';
import { parseJsonChunk } from '../sse-messages.js';
import { syntheticCallId } from './call-ids.js';
import type { GeminiPart, GeminiResponseChunk, GeminiUsageWire } from './gemini-wire-types.js';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.js';
import { encodeThoughtSignature, type ThoughtSignatureRef } from './thought-signature.js';

export interface GeminiStreamOptions {
  tools: FlattenedTools;
  /** Thoughts become reasoning summary text (else raw reasoning text). */
  thoughtsAsSummary: boolean;
  /** `parallel_tool_calls: false`: only the first function call of the response is shown. */
  singleToolCall: boolean;
}

export async function* mapGeminiStream(sse: AsyncIterable<SseMessage>, opts: GeminiStreamOptions): AsyncGenerator<ModelEvent> {
  const state = new GeminiStreamState(opts);
  for await (const message of sse) {
    const data = message.data.trim();
    if (!data) continue;
    yield* state.onChunk(parseChunk(data));
  }
  yield* state.onEnd();
}


/** Which kind of streamed content the last part continued. */
type Run = 'none' | 'thought' | 'text';

class GeminiStreamState {
  private metadataSent = false;
  private run: Run = 'none';
  private reasoningOpen = false;
  /** A signature waiting for the end of the current thought / text run. */
  private pending: ThoughtSignatureRef | null = null;
  private calls = 0;
  private finishRaw: string | null = null;
  private blockReason: string | null = null;
  private usage: Usage | null = null;

  constructor(private readonly opts: GeminiStreamOptions) {}

  *onChunk(chunk: GeminiResponseChunk): Generator<ModelEvent> {
    if (chunk.error && typeof chunk.error === 'object') throw streamedError(chunk.error);
    if (!this.metadataSent && (nonEmpty(chunk.modelVersion) || nonEmpty(chunk.responseId))) {
      this.metadataSent = true;
      const meta: Extract<ModelEvent, { type: 'metadata' }> = { type: 'metadata' };
      if (nonEmpty(chunk.modelVersion)) meta.model = chunk.modelVersion!;
      if (nonEmpty(chunk.responseId)) meta.id = chunk.responseId!;
      yield meta;
    }
    if (chunk.usageMetadata && typeof chunk.usageMetadata === 'object') this.usage = mapUsage(chunk.usageMetadata);
    const block = nonEmpty(chunk.promptFeedback?.blockReason);
    if (block) this.blockReason = block;

    const candidates = Array.isArray(chunk.candidates) ? chunk.candidates : [];
    const candidate = candidates.find((c) => (c?.index ?? 0) === 0) ?? candidates[0];
    if (!candidate) return;
    const parts = Array.isArray(candidate.content?.parts) ? candidate.content!.parts! : [];
    for (const part of parts) {
      if (part && typeof part === 'object') yield* this.onPart(part);
    }
    if (nonEmpty(candidate.finishReason)) this.finishRaw = candidate.finishReason!;
  }

  *onEnd(): Generator<ModelEvent> {
    yield* this.leaveRun(false);
    if (!this.finishRaw && !this.blockReason) {
      throw new UpstreamError('stream ended without a finishReason', { code: 'upstream_bad_response' });
    }
    if (this.usage) yield { type: 'usage', usage: this.usage };
    if (this.finishRaw) yield { type: 'finish', ...mapGeminiFinishReason(this.finishRaw, this.calls > 0) };
    else yield { type: 'finish', reason: 'content_filter', rawReason: this.blockReason! };
  }

  private *onPart(part: GeminiPart): Generator<ModelEvent> {
    if (part.functionCall && typeof part.functionCall === 'object') return yield* this.onCall(part);
    if (part.thought === true) return yield* this.onThought(part);
    if (typeof part.text === 'string') return yield* this.onText(part);
  }

  private *onThought(part: GeminiPart): Generator<ModelEvent> {
    const sig = nonEmpty(part.thoughtSignature);
    if (this.run !== 'thought') yield* this.leaveRun(false);
    else if (sig && this.pending) yield* this.flushPending();
    this.run = 'thought';
    const text = nonEmpty(part.text);
    if (text) {
      this.reasoningOpen = true;
      yield this.opts.thoughtsAsSummary ? { type: 'reasoning-summary-delta', delta: text } : { type: 'reasoning-delta', delta: text };
    }
    if (sig) this.pending = { part: 'thought', sig };
  }

  private *onText(part: GeminiPart): Generator<ModelEvent> {
    const sig = nonEmpty(part.thoughtSignature);
    const text = part.text ?? '';
    if (this.run === 'text') {
      if (text) yield { type: 'text-delta', delta: text };
      if (sig) {
        // Gemini 3 signs the last part of a text answer: it belongs to the text already streamed.
        if (this.pending) yield* this.flushPending();
        this.pending = { part: 'text-prev', sig };
      }
      return;
    }
    if (!text && !sig) return;
    yield* this.leaveRun(!!sig);
    if (sig) yield* this.emitSignature({ part: 'text-next', sig });
    if (text) {
      this.run = 'text';
      yield { type: 'text-delta', delta: text };
    }
  }

  private *onCall(part: GeminiPart): Generator<ModelEvent> {
    if (this.opts.singleToolCall && this.calls >= 1) return;
    const fc = part.functionCall!;
    const name = nonEmpty(fc.name);
    if (!name) throw new UpstreamError('upstream sent a functionCall without a name', { code: 'upstream_bad_response' });
    const sig = nonEmpty(part.thoughtSignature);
    yield* this.leaveRun(!!sig);
    if (sig) yield* this.emitSignature({ part: 'functionCall', sig });

    const callId = nonEmpty(fc.id) ?? syntheticCallId();
    const origin = originOf(this.opts.tools, name);
    const start: Extract<ModelEvent, { type: 'tool-call-start' }> = { type: 'tool-call-start', callId, name: origin.name };
    if (origin.namespace) start.namespace = origin.namespace;
    if (origin.kind === 'custom') start.kind = 'custom';
    yield start;
    const args = JSON.stringify(fc.args && typeof fc.args === 'object' && !Array.isArray(fc.args) ? fc.args : {});
    yield { type: 'tool-call-end', callId, arguments: origin.kind === 'custom' ? customInputFromArguments(args) : args };
    this.calls++;
  }

  /**
   * Ends the current thought / text run: its waiting signature goes out now. With `sigFollows`, an open
   * reasoning item without a signature of its own stays open to take the signature of the part that follows.
   */
  private *leaveRun(sigFollows: boolean): Generator<ModelEvent> {
    if (this.pending) yield* this.flushPending();
    else if (!sigFollows) yield* this.endReasoning();
    this.run = 'none';
  }

  private *flushPending(): Generator<ModelEvent> {
    const ref = this.pending!;
    this.pending = null;
    yield* this.emitSignature(ref);
  }

  private *emitSignature(ref: ThoughtSignatureRef): Generator<ModelEvent> {
    yield { type: 'reasoning-signature', signature: encodeThoughtSignature(ref) };
    this.reasoningOpen = true;
    yield* this.endReasoning();
  }

  private *endReasoning(): Generator<ModelEvent> {
    if (!this.reasoningOpen) return;
    this.reasoningOpen = false;
    yield { type: 'reasoning-end' };
  }
}

function nonEmpty(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function mapUsage(u: GeminiUsageWire): Usage {
  const thoughts = num(u.thoughtsTokenCount);
  const usage: Usage = {
    inputTokens: num(u.promptTokenCount) ?? 0,
    outputTokens: (num(u.candidatesTokenCount) ?? 0) + (thoughts ?? 0),
  };
  const cached = num(u.cachedContentTokenCount);
  if (cached !== undefined) usage.cachedTokens = cached;
  if (thoughts !== undefined) usage.reasoningTokens = thoughts;
  return usage;
}

function streamedError(e: NonNullable<GeminiResponseChunk['error']>): UpstreamError {
  const message = nonEmpty(e.message) ?? nonEmpty(e.status) ?? 'unknown error';
  const code = num(e.code);
  const status = code !== undefined && code >= 400 && code < 600 ? code : null;
  return new UpstreamError(`upstream failed mid-stream: ${message}`, { status, code: 'upstream_error' });
}

export function parseChunk(data: string): GeminiResponseChunk {
  return parseJsonChunk<GeminiResponseChunk>(data);
}
