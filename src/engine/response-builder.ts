/**
 * ResponseBuilder: the only place ModelEvents become Response output items and semantic stream events.
 * Event order is right by construction for every provider: output_item.added → content_part.added → deltas →
 * *.done → content_part.done → output_item.done, output_index = position in `output`, sequence numbers from 0.
 */
import { newId } from '../api/ids.js';
import type { FunctionCallItem, Item, MessageItem, OtherItem, ReasoningItem } from '../api/items.js';
import { presentItem, type ResponseObject, type ResponseStatus } from '../api/response-object.js';
import type { FinishReason, ModelEvent, Usage } from '../providers/types.js';
import { snapshotItem } from './item-snapshot.js';
import { tagSignature } from './reasoning-state.js';
import { addUsage, toWireUsage } from './usage.js';

function untag(tagged: string, kind: string | undefined): string {
  return kind ? tagged.slice(tagSignature(kind, '').length) : tagged;
}

export interface StreamEvent { type: string; sequence_number: number; [field: string]: unknown }
export type EventSink = (event: StreamEvent) => void;

interface OpenMessage {
  kind: 'message';
  index: number;
  item: MessageItem;
  /** The content part being streamed, if any. */
  part: { type: 'output_text'; text: string; annotations: Record<string, unknown>[] } | { type: 'refusal'; refusal: string } | null;
}
interface OpenReasoning {
  kind: 'reasoning';
  index: number;
  item: ReasoningItem;
  summaryIndex: number | null;
  /** Index into item.content of the reasoning_text part being streamed. */
  textPart: number | null;
}
interface OpenCall {
  index: number;
  item: FunctionCallItem | OtherItem;
  custom: boolean;
  args: string;
}
/** A hosted-tool item between its start and its done (see `hosted-item-*` ModelEvents). */
interface OpenHosted {
  index: number;
  item: OtherItem;
}

export interface BuilderOptions {
  /** Show reasoning `encrypted_content` in events (the client asked for it with `include`). */
  includeEncrypted: boolean;
  /** Tool calls beyond this many are ignored, as OpenAI documents for `max_tool_calls`. */
  maxToolCalls: number | null;
  /** The provider kind producing this output: reasoning state is tagged with it (engine/reasoning-state.ts). */
  providerKind?: string;
}

export class ResponseBuilder {
  private seq = 0;
  private current: OpenMessage | OpenReasoning | null = null;
  private readonly calls = new Map<string, OpenCall>();
  private readonly ignoredCalls = new Set<string>();
  /** Open hosted-tool items by the adapter's key. */
  private readonly hosted = new Map<string, OpenHosted>();
  private toolCallCount = 0;
  private finishReason: FinishReason | null = null;
  /** Usage of the current attempt, and the sum over earlier (discarded) attempts. */
  private usage: Usage | null = null;
  private priorUsage: Usage | null = null;
  /** While holding, events are kept back instead of reaching the sink (structured-output validation). */
  private held: StreamEvent[] | null = null;
  private holdMark: { seq: number; outputLength: number } | null = null;

  /**
   * `sink` null: nobody reads the events (a response that is not streamed). The builder then only builds the
   * Response, without the events' copies of it and of its items.
   */
  constructor(
    readonly response: ResponseObject,
    private readonly sink: EventSink | null,
    private readonly options: BuilderOptions,
  ) {}

  private wasQueued = false;

  /** A background response: response.created + response.queued, while it waits for a worker. */
  queued(): void {
    this.wasQueued = true;
    if (!this.sink) return;
    const snapshot = this.snapshot();
    this.emit('response.created', { response: snapshot });
    this.emit('response.queued', { response: snapshot });
  }

  /** response.created + response.in_progress (only the latter for a response that was queued). */
  start(): void {
    if (!this.sink) return;
    // One copy for both: nothing changes between them (EventJson serializes it once).
    const snapshot = this.snapshot();
    if (!this.wasQueued) this.emit('response.created', { response: snapshot });
    this.emit('response.in_progress', { response: snapshot });
  }

  /** The provider kind that answers (known once a background run's upstream has started; see BuilderOptions). */
  useProvider(kind: string): void {
    this.options.providerKind = kind;
  }

  apply(ev: ModelEvent): void {
    switch (ev.type) {
      case 'metadata':
        return;
      case 'text-delta':
        if (ev.delta) this.appendMessageText('output_text', ev.delta);
        return;
      case 'refusal-delta':
        if (ev.delta) this.appendMessageText('refusal', ev.delta);
        return;
      case 'reasoning-delta':
        if (ev.delta) this.appendReasoningText(ev.delta);
        return;
      case 'reasoning-summary-delta':
        if (ev.delta) this.appendReasoningSummary(ev.delta, ev.summaryIndex);
        return;
      case 'reasoning-signature': {
        const r = this.ensureReasoning();
        const prior = r.item.encrypted_content ? untag(r.item.encrypted_content, this.options.providerKind) : '';
        const blob = prior + ev.signature;
        r.item.encrypted_content = this.options.providerKind ? tagSignature(this.options.providerKind, blob) : blob;
        return;
      }
      case 'reasoning-end':
        if (this.current?.kind === 'reasoning') this.closeCurrent('completed');
        return;
      case 'tool-call-start':
        this.startCall(ev.callId, ev.name, ev.kind === 'custom', ev.id, ev.namespace);
        return;
      case 'tool-call-delta':
        this.appendCallArgs(ev.callId, ev.delta);
        return;
      case 'tool-call-end':
        this.endCall(ev.callId, ev.arguments, 'completed');
        return;
      case 'item':
        this.passThrough(ev.item);
        return;
      case 'hosted-item-start':
        this.startHosted(ev.key, ev.item);
        return;
      case 'hosted-item-event':
        this.hostedProgress(ev.key, ev.name, ev.fields);
        return;
      case 'hosted-item-done':
        this.endHosted(ev.key, ev.item, null);
        return;
      case 'text-annotation':
        this.addAnnotation(ev.annotation);
        return;
      case 'response-event':
        this.emit(`response.${ev.name}`, payload(ev.fields));
        return;
      case 'usage':
        this.usage = ev.usage;
        return;
      case 'finish':
        this.finishReason = ev.reason;
        return;
    }
  }

  /** How the model ended the current attempt (null until a finish event). */
  get finish_reason(): FinishReason | null {
    return this.finishReason;
  }

  /** Closes every open item (completed, or incomplete when the model hit a limit), emitting their done events. */
  settle(): void {
    this.closeAll(this.isIncomplete() ? 'incomplete' : 'completed');
  }

  private isIncomplete(): boolean {
    return this.finishReason === 'length' || this.finishReason === 'content_filter';
  }

  /**
   * Starts keeping events back: everything emitted from now on is held until `release()` sends it or
   * `discard()` drops it together with the items it built (sequence numbers then continue without a gap).
   */
  hold(): void {
    this.held = [];
    this.holdMark = { seq: this.seq, outputLength: this.response.output.length };
  }

  release(): void {
    const held = this.held ?? [];
    this.held = null;
    this.holdMark = null;
    for (const e of held) this.sink?.(e);
  }

  /** Drops the held attempt: its events, its items, its finish reason. Its usage still counts. Returns its items. */
  discard(): Item[] {
    const mark = this.holdMark;
    if (!mark) return [];
    const dropped = this.response.output.splice(mark.outputLength);
    this.seq = mark.seq;
    this.held = null;
    this.holdMark = null;
    this.current = null;
    this.calls.clear();
    this.hosted.clear();
    this.finishReason = null;
    if (this.usage) this.priorUsage = addUsage(this.priorUsage, this.usage);
    this.usage = null;
    return dropped;
  }

  /** Output items built since `hold()` (all output when not holding). */
  heldItems(): Item[] {
    return this.response.output.slice(this.holdMark?.outputLength ?? 0);
  }

  /**
   * Between two model turns of one response (the agent loop): the turn's message or reasoning item closes, its
   * usage is added to the response's, and the next turn's finish reason starts unset. Hosted items it started
   * stay open: their calls run now.
   */
  nextTurn(): void {
    this.closeCurrent('completed');
    if (this.usage) this.priorUsage = addUsage(this.priorUsage, this.usage);
    this.usage = null;
    this.finishReason = null;
  }

  /** Annotations a finished output_text part gets (citations of what the response's tools returned). */
  setAnnotator(annotate: ((text: string) => Record<string, unknown>[]) | null): void {
    this.annotator = annotate;
  }

  private annotator: ((text: string) => Record<string, unknown>[]) | null = null;

  /** Ends the response `incomplete` for a reason of Switchboard's own (the agent loop's turn cap). */
  stopIncomplete(reason: string): ResponseObject {
    this.closeAll('completed');
    return this.terminate('incomplete', 'response.incomplete', { incomplete_details: { reason } });
  }

  /** Closes every open item and emits the terminal event derived from the finish reason. */
  finish(): ResponseObject {
    const incomplete = this.isIncomplete();
    this.closeAll(incomplete ? 'incomplete' : 'completed');
    if (incomplete) {
      return this.terminate('incomplete', 'response.incomplete', {
        incomplete_details: { reason: this.finishReason === 'length' ? 'max_output_tokens' : 'content_filter' },
      });
    }
    return this.terminate('completed', 'response.completed', {});
  }

  /** The upstream failed mid-way: keep what was produced (as incomplete items) and emit response.failed. */
  fail(code: string, message: string): ResponseObject {
    this.closeAll('incomplete');
    return this.terminate('failed', 'response.failed', { error: { code, message } });
  }

  /** The client went away or cancelled: keep the partial output, mark the response cancelled. */
  cancel(): ResponseObject {
    this.closeAll('incomplete');
    return this.terminate('cancelled', null, {});
  }

  get hasOutput(): boolean {
    return this.response.output.length > 0;
  }

  // ---- messages ---------------------------------------------------------------------------------------------

  private appendMessageText(type: 'output_text' | 'refusal', delta: string) {
    const m = this.ensureMessage();
    const part = m.part?.type === type ? m.part : this.openPart(m, type);
    const contentIndex = m.item.content.length - 1;
    if (part.type === 'output_text') {
      part.text += delta;
      this.emit('response.output_text.delta', {
        item_id: m.item.id, output_index: m.index, content_index: contentIndex, delta, logprobs: [],
      });
    } else {
      part.refusal += delta;
      this.emit('response.refusal.delta', { item_id: m.item.id, output_index: m.index, content_index: contentIndex, delta });
    }
  }

  private openPart(m: OpenMessage, type: 'output_text' | 'refusal'): NonNullable<OpenMessage['part']> {
    if (m.part) this.closePart(m);
    const open: NonNullable<OpenMessage['part']> = type === 'output_text' ? { type, text: '', annotations: [] } : { type, refusal: '' };
    m.part = open;
    const part = type === 'output_text' ? { type, annotations: [], logprobs: [], text: '' } : { type, refusal: '' };
    m.item.content.push(part as MessageItem['content'][number]);
    this.emit('response.content_part.added', {
      item_id: m.item.id, output_index: m.index, content_index: m.item.content.length - 1, part,
    });
    return open;
  }

  private ensureMessage(): OpenMessage {
    if (this.current?.kind === 'message') return this.current;
    this.closeCurrent('completed');
    const item: MessageItem = { id: newId('msg'), type: 'message', status: 'in_progress', content: [], role: 'assistant' };
    const open: OpenMessage = { kind: 'message', index: this.addItem(item), item, part: null };
    this.current = open;
    return open;
  }

  private closePart(m: OpenMessage) {
    const p = m.part;
    if (!p) return;
    const contentIndex = m.item.content.length - 1;
    const base = { item_id: m.item.id, output_index: m.index, content_index: contentIndex };
    let part;
    if (p.type === 'output_text' && this.annotator && p.text) {
      for (const annotation of this.annotator(p.text)) {
        p.annotations.push(annotation);
        this.emit('response.output_text.annotation.added', { ...base, annotation_index: p.annotations.length - 1, annotation });
      }
    }
    if (p.type === 'output_text') {
      part = { type: 'output_text', annotations: p.annotations.slice(), logprobs: [], text: p.text };
      this.emit('response.output_text.done', { ...base, text: p.text, logprobs: [] });
    } else {
      part = { type: 'refusal', refusal: p.refusal };
      this.emit('response.refusal.done', { ...base, refusal: p.refusal });
    }
    m.item.content[contentIndex] = part as MessageItem['content'][number];
    this.emit('response.content_part.done', { ...base, part });
    m.part = null;
  }

  // ---- reasoning --------------------------------------------------------------------------------------------

  private ensureReasoning(): OpenReasoning {
    if (this.current?.kind === 'reasoning') return this.current;
    this.closeCurrent('completed');
    const item: ReasoningItem = { id: newId('rs'), type: 'reasoning', summary: [] };
    const open: OpenReasoning = { kind: 'reasoning', index: this.addItem(item), item, summaryIndex: null, textPart: null };
    this.current = open;
    return open;
  }

  private appendReasoningText(delta: string) {
    const r = this.ensureReasoning();
    if (r.textPart === null) {
      r.item.content ??= [];
      r.item.content.push({ type: 'reasoning_text', text: '' });
      r.textPart = r.item.content.length - 1;
      this.emit('response.content_part.added', {
        item_id: r.item.id, output_index: r.index, content_index: r.textPart, part: { type: 'reasoning_text', text: '' },
      });
    }
    r.item.content![r.textPart].text += delta;
    this.emit('response.reasoning_text.delta', { item_id: r.item.id, output_index: r.index, content_index: r.textPart, delta });
  }

  private appendReasoningSummary(delta: string, summaryIndex: number | undefined) {
    const r = this.ensureReasoning();
    const wanted = summaryIndex ?? r.summaryIndex ?? 0;
    if (r.summaryIndex !== null && r.summaryIndex !== wanted) this.closeSummaryPart(r);
    if (r.summaryIndex === null) {
      r.item.summary.push({ type: 'summary_text', text: '' });
      r.summaryIndex = wanted;
      this.emit('response.reasoning_summary_part.added', {
        item_id: r.item.id, output_index: r.index, summary_index: r.item.summary.length - 1, part: { type: 'summary_text', text: '' },
      });
    }
    const idx = r.item.summary.length - 1;
    r.item.summary[idx].text += delta;
    this.emit('response.reasoning_summary_text.delta', { item_id: r.item.id, output_index: r.index, summary_index: idx, delta });
  }

  private closeSummaryPart(r: OpenReasoning) {
    if (r.summaryIndex === null) return;
    const idx = r.item.summary.length - 1;
    const text = r.item.summary[idx].text;
    const base = { item_id: r.item.id, output_index: r.index, summary_index: idx };
    this.emit('response.reasoning_summary_text.done', { ...base, text });
    this.emit('response.reasoning_summary_part.done', { ...base, part: { type: 'summary_text', text } });
    r.summaryIndex = null;
  }

  private closeReasoningText(r: OpenReasoning) {
    if (r.textPart === null) return;
    const text = r.item.content![r.textPart].text;
    const base = { item_id: r.item.id, output_index: r.index, content_index: r.textPart };
    this.emit('response.reasoning_text.done', { ...base, text });
    this.emit('response.content_part.done', { ...base, part: { type: 'reasoning_text', text } });
    r.textPart = null;
  }

  // ---- tool calls -------------------------------------------------------------------------------------------

  /**
   * Counts one tool call (client- or server-side) against `max_tool_calls`: false when the budget is spent and
   * the call must be ignored, as OpenAI documents.
   */
  takeToolCall(): boolean {
    if (this.options.maxToolCalls !== null && this.toolCallCount >= this.options.maxToolCalls) return false;
    this.toolCallCount++;
    return true;
  }

  /** Whether another tool call would still be taken. */
  get toolCallsLeft(): boolean {
    return this.options.maxToolCalls === null || this.toolCallCount < this.options.maxToolCalls;
  }

  private startCall(callId: string, name: string, custom: boolean, upstreamId?: string, namespace?: string) {
    if (!this.takeToolCall()) {
      this.ignoredCalls.add(callId);
      return;
    }
    this.closeCurrent('completed');
    const item: FunctionCallItem | OtherItem = custom
      ? { id: upstreamId ?? newId('ctc'), type: 'custom_tool_call', status: 'in_progress', call_id: callId, name, input: '' }
      : {
          id: upstreamId ?? newId('fc'), type: 'function_call', status: 'in_progress', arguments: '', call_id: callId, name,
          ...(namespace ? { namespace } : {}),
        };
    this.calls.set(callId, { index: this.addItem(item), item, custom, args: '' });
  }

  private appendCallArgs(callId: string, delta: string) {
    const c = this.calls.get(callId);
    if (!c || !delta) return;
    c.args += delta;
    this.emit(c.custom ? 'response.custom_tool_call_input.delta' : 'response.function_call_arguments.delta', {
      item_id: c.item.id, output_index: c.index, delta,
    });
  }

  private endCall(callId: string, finalArgs: string | undefined, status: 'completed' | 'incomplete') {
    const c = this.calls.get(callId);
    if (!c) return;
    // An adapter that only learns the arguments at the end (or corrects them) still streams them as a delta.
    if (finalArgs !== undefined && finalArgs !== c.args) {
      if (finalArgs.startsWith(c.args)) this.appendCallArgs(callId, finalArgs.slice(c.args.length));
      c.args = finalArgs;
    }
    const base = { item_id: c.item.id, output_index: c.index };
    if (c.custom) {
      c.item.input = c.args;
      this.emit('response.custom_tool_call_input.done', { ...base, input: c.args });
    } else {
      c.item.arguments = c.args;
      this.emit('response.function_call_arguments.done', { ...base, name: c.item.name, arguments: c.args });
    }
    c.item.status = status;
    this.calls.delete(callId);
    this.emit('response.output_item.done', { output_index: c.index, item: { ...c.item } });
  }

  private passThrough(item: Item) {
    this.closeCurrent('completed');
    const full = withStatus({ ...item, id: item.id ?? newId('item') }, item.error ? 'failed' : 'completed');
    const index = this.addItem(full);
    this.emit('response.output_item.added', { output_index: index, item: presentItem(full, this.options.includeEncrypted) });
    this.emit('response.output_item.done', { output_index: index, item: presentItem(full, this.options.includeEncrypted) });
  }

  // ---- hosted-tool items and annotations --------------------------------------------------------------------

  /**
   * A hosted item gets its output position when it starts, so its progress events and everything after it
   * carry Switchboard's output_index; it keeps the vendor's id (the vendor issued it for an item it ran).
   */
  private startHosted(key: string, item: Item) {
    this.closeCurrent('completed');
    const full: OtherItem = withStatus({ ...item, id: item.id ?? newId('item') }, 'in_progress');
    const index = this.addItem(full);
    this.hosted.set(key, { index, item: full });
    if (this.sink) this.emit('response.output_item.added', { output_index: index, item: presentItem(snapshotItem(full), this.options.includeEncrypted) });
  }

  private hostedProgress(key: string, name: string, fields: Record<string, unknown>) {
    const h = this.hosted.get(key);
    if (!h) return; // progress of an item never started (or already done): there is no position to give it
    this.emit(`response.${name}`, { ...payload(fields), output_index: h.index, item_id: h.item.id });
  }

  /**
   * Fields of an open hosted item that are known before it ends (an MCP call's arguments once streamed), so an
   * item cut short keeps them. No event: its progress events already said so.
   */
  patchHosted(key: string, fields: Record<string, unknown>): void {
    const h = this.hosted.get(key);
    if (h) Object.assign(h.item, fields);
  }

  /** `final` null: the item ends as it is (status set to `status` when the stream was cut short). */
  private endHosted(key: string, final: Item | null, status: 'incomplete' | null) {
    const h = this.hosted.get(key);
    if (!h) {
      if (final) this.passThrough(final);
      return;
    }
    this.hosted.delete(key);
    const item: OtherItem = final ? withStatus({ ...final, id: h.item.id }, final.error ? 'failed' : 'completed') : { ...h.item };
    if (status) item.status = status;
    this.response.output[h.index] = item;
    if (this.sink) this.emit('response.output_item.done', { output_index: h.index, item: presentItem(item, this.options.includeEncrypted) });
  }

  /** An annotation belongs to the output_text part being streamed (opened for it if the text has not begun). */
  private addAnnotation(annotation: Record<string, unknown>) {
    const m = this.ensureMessage();
    const part = m.part?.type === 'output_text' ? m.part : this.openPart(m, 'output_text');
    if (part.type !== 'output_text') return;
    part.annotations.push(annotation);
    this.emit('response.output_text.annotation.added', {
      item_id: m.item.id, output_index: m.index, content_index: m.item.content.length - 1,
      annotation_index: part.annotations.length - 1, annotation,
    });
  }

  // ---- shared -----------------------------------------------------------------------------------------------

  private addItem(item: Item): number {
    const index = this.response.output.length;
    this.response.output.push(item);
    if (this.sink && (item.type === 'message' || item.type === 'reasoning' || item.type === 'function_call' || item.type === 'custom_tool_call')) {
      this.emit('response.output_item.added', { output_index: index, item: snapshotItem(item) });
    }
    return index;
  }

  private closeCurrent(status: 'completed' | 'incomplete') {
    const cur = this.current;
    if (!cur) return;
    this.current = null;
    if (cur.kind === 'message') {
      this.closePart(cur);
      cur.item.status = status;
      if (this.sink) this.emit('response.output_item.done', { output_index: cur.index, item: snapshotItem(cur.item) });
    } else {
      this.closeSummaryPart(cur);
      this.closeReasoningText(cur);
      if (this.sink) this.emit('response.output_item.done', {
        output_index: cur.index, item: presentItem(snapshotItem(cur.item), this.options.includeEncrypted),
      });
    }
  }

  private closeAll(status: 'completed' | 'incomplete') {
    this.closeCurrent(status);
    const open = [...this.calls.entries()].sort((a, b) => a[1].index - b[1].index);
    for (const [callId] of open) this.endCall(callId, undefined, status);
    // A hosted item whose done never came ends in the shape it has; cut short, it is marked incomplete.
    const hosted = [...this.hosted.entries()].sort((a, b) => a[1].index - b[1].index);
    for (const [key] of hosted) this.endHosted(key, null, status === 'incomplete' ? 'incomplete' : null);
  }

  private terminate(status: ResponseStatus, eventType: string | null, patch: Partial<ResponseObject>): ResponseObject {
    const r = this.response;
    Object.assign(r, patch);
    r.status = status;
    if (status === 'completed') r.completed_at = Math.floor(Date.now() / 1000);
    const usage = this.usage ? addUsage(this.priorUsage, this.usage) : this.priorUsage;
    r.usage = usage ? toWireUsage(usage) : null;
    if (eventType && this.sink) this.emit(eventType, { response: this.snapshot() });
    return r;
  }

  private snapshot() {
    const r = this.response;
    return {
      ...r,
      output: r.output.map((i) => presentItem(i, this.options.includeEncrypted)),
    };
  }

  private emit(type: string, fields: Record<string, unknown>) {
    if (!this.sink) return;
    const event = { type, sequence_number: this.seq++, ...fields };
    if (this.held) this.held.push(event);
    else this.sink(event);
  }
}

/** A relayed event's own fields, never overriding the type and sequence number the builder gives it. */
function payload(fields: Record<string, unknown>): Record<string, unknown> {
  const { type: _type, sequence_number: _seq, ...rest } = fields;
  return rest;
}

/**
 * Every item carries a `status` (the Open Responses spec's required item fields). OpenAI's `mcp_list_tools` and
 * `mcp_approval_request` items have none: they get one, an extension field the openai types tolerate.
 */
function withStatus<T extends Item>(item: T, status: string): T {
  return typeof item.status === 'string' ? item : { ...item, status };
}
