/**
 * One response's server-side tools: the functions its model is offered in their place, and the agent loop's
 * bookkeeping for one model turn — which of the model's calls Switchboard runs (they become hosted items, not
 * function_call items), running them concurrently, what the model is told next turn, and what the answer may
 * cite. The loop itself is engine/run-turn.ts; this class is its only view of the tools.
 */
import type { CancelSignal } from '../api/cancellation.js';
import type { Item } from '../api/items.js';
import type { ModelEvent } from '../providers/types.js';
import type { RequestContext } from '../store/request-context.js';
import type { ResponseBuilder } from '../engine/response-builder.js';
import { findCitations } from './citations.js';
import { modelView } from './model-view.js';
import { MODEL_OUTPUT_KEY, type CitationSource, type HostedCall, type ModelFunction, type ToolKit } from './types.js';

interface PendingCall {
  key: string;
  call: HostedCall;
  args: string;
  /** Its item has started (early items start with the call; others once their arguments are complete). */
  open: boolean;
  /** Past the max_tool_calls budget: swallowed, never run. */
  ignored: boolean;
}

export interface ToolSessionOptions {
  ctx: RequestContext;
  /** Model turns one response may take (the hard cap against runaway loops). */
  maxTurns: number;
}

export class ToolSession {
  readonly functions: ModelFunction[];
  /** Events of the work done before the first model turn (MCP tool lists, approved calls): they lead the output. */
  readonly leading: ModelEvent[] = [];
  private readonly byName = new Map<string, ToolKit>();
  private readonly calls = new Map<string, PendingCall>();
  private readonly sources: CitationSource[] = [];
  private turnsTaken = 1;
  private clientCalled = false;
  private approvalsAsked = false;

  constructor(readonly kits: ToolKit[], private readonly opts: ToolSessionOptions) {
    this.functions = kits.flatMap((k) => k.functions);
    for (const kit of kits) for (const f of kit.functions) this.byName.set(f.name, kit);
  }

  owns(functionName: string): boolean {
    return this.byName.has(functionName);
  }

  addSources(sources: CitationSource[] | undefined): void {
    if (sources?.length) this.sources.push(...sources);
  }

  /**
   * Takes the model's events for a server-side tool's call (true: consumed; the builder must not see it). The
   * call's hosted item is started through the builder so it gets its output position in order.
   */
  intercept(ev: ModelEvent, builder: ResponseBuilder): boolean {
    switch (ev.type) {
      case 'tool-call-start': {
        const kit = this.byName.get(ev.name);
        if (!kit) {
          this.clientCalled = true;
          return false;
        }
        const p: PendingCall = { key: `tool:${ev.callId}`, call: kit.call(ev.name), args: '', open: false, ignored: !builder.takeToolCall() };
        this.calls.set(ev.callId, p);
        if (!p.ignored && p.call.early) this.open(p, builder, '');
        return true;
      }
      case 'tool-call-delta': {
        const p = this.calls.get(ev.callId);
        if (!p) return false;
        p.args += ev.delta;
        if (p.open && p.call.argumentsDelta && ev.delta) this.progress(p, builder, p.call.argumentsDelta(ev.delta));
        return true;
      }
      case 'tool-call-end': {
        const p = this.calls.get(ev.callId);
        if (!p) return false;
        if (ev.arguments !== undefined && ev.arguments !== p.args) {
          if (p.open && p.call.argumentsDelta && ev.arguments.startsWith(p.args) && ev.arguments.length > p.args.length) {
            this.progress(p, builder, p.call.argumentsDelta(ev.arguments.slice(p.args.length)));
          }
          p.args = ev.arguments;
        }
        if (p.ignored) {
          this.calls.delete(ev.callId);
          return true;
        }
        const approval = p.call.approval?.(p.args) ?? null;
        if (approval) {
          // Asked, not run: the response ends with the request; a later one with the answer resumes it.
          this.calls.delete(ev.callId);
          builder.apply({ type: 'item', item: approval });
          this.approvalsAsked = true;
          return true;
        }
        if (!p.open) this.open(p, builder, p.args);
        else {
          if (p.call.argumentsDone) this.progress(p, builder, p.call.argumentsDone(p.args));
          builder.patchHosted(p.key, { arguments: p.args });
        }
        return true;
      }
      default:
        return false;
    }
  }

  private open(p: PendingCall, builder: ResponseBuilder, args: string) {
    p.open = true;
    builder.apply({ type: 'hosted-item-start', key: p.key, item: p.call.initial(args) });
  }

  private progress(p: PendingCall, builder: ResponseBuilder, events: { name: string; fields?: Record<string, unknown> }[]) {
    for (const e of events) builder.apply({ type: 'hosted-item-event', key: p.key, name: e.name, fields: e.fields ?? {} });
  }

  /** Calls of this turn that are waiting to run. */
  get pending(): number {
    let n = 0;
    for (const p of this.calls.values()) if (p.open) n++;
    return n;
  }

  /** This turn asked for approval or called a client-side tool: the response ends after its server calls. */
  get mustStop(): boolean {
    return this.clientCalled || this.approvalsAsked;
  }

  /** One more model turn, if the cap allows it. */
  takeTurn(): boolean {
    if (this.turnsTaken >= this.opts.maxTurns) return false;
    this.turnsTaken++;
    return true;
  }

  get maxTurns(): number {
    return this.opts.maxTurns;
  }

  /**
   * Runs this turn's calls concurrently; each item's events reach the builder as they happen and its done
   * event when it finishes. Rejects only when `signal` fired (the open items are then left to the builder's
   * cancel, which marks them incomplete).
   */
  async runPending(builder: ResponseBuilder, signal: CancelSignal): Promise<void> {
    const batch = [...this.calls.values()].filter((p) => p.open);
    this.calls.clear();
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    signal.addEventListener('abort', onAbort);
    if (signal.aborted) ac.abort();
    try {
      await Promise.all(batch.map(async (p) => {
        if (p.call.started) this.progress(p, builder, p.call.started());
        const outcome = await p.call.run(p.args, {
          ctx: this.opts.ctx,
          signal: ac.signal,
          progress: (name, fields) => this.progress(p, builder, [{ name, fields }]),
        });
        if (ac.signal.aborted) throw new Error('aborted');
        this.addSources(outcome.sources);
        const item: Item = { ...outcome.item, [MODEL_OUTPUT_KEY]: outcome.output };
        builder.apply({ type: 'hosted-item-done', key: p.key, item });
      }));
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** The next turn's view of the output so far (appended to the response's input). */
  nextInput(output: Item[]): Item[] {
    this.clientCalled = false;
    return modelView(output);
  }

  /** Citations of the sources tools returned, found in a finished output_text. */
  annotate(text: string): Record<string, unknown>[] {
    return this.sources.length ? findCitations(text, this.sources) : [];
  }
}
