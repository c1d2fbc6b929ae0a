/**
 * Context management for every provider kind, between history assembly and the upstream call:
 * 1. compaction items Switchboard sealed become their summary again (a developer message), and the items they
 *    replace leave the model's view; an OpenAI-issued item passes through to the `openai` kind unchanged;
 * 2. `context_management: [{type: "compaction", compact_threshold}]` compacts the older part of the turn
 *    when its input passes the threshold (the compaction item then leads the Response's output);
 * 3. the input must fit the model's window (context-windows.ts) less the output's share: `truncation: "auto"`
 *    drops the oldest items (drop-oldest.ts), `"disabled"` answers 400 `context_length_exceeded` before any
 *    upstream call. The `openai` kind truncates itself and is left to do so.
 * Counting is paid only near the limit: a cheap upper bound (input-bound.ts) settles every ordinary request.
 */
import { encode } from 'gpt-tokenizer';
import { ApiError, invalidRequest } from '../api/errors.js';
import type { CancelSignal } from '../api/cancellation.js';
import type { CreateParams } from '../api/create-params.js';
import { newId } from '../api/ids.js';
import type { Item } from '../api/items.js';
import { reasoningStateFor } from '../engine/reasoning-state.js';
import { viewFor } from '../tools/model-view.js';
import type { Route } from '../providers/registry.js';
import type { RequestContext } from '../store/request-context.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { contextWindowFor } from './context-windows.js';
import { droppableUnits } from './drop-oldest.js';
import { FRAMING_ALLOWANCE, inputTokenBound, utf8Size } from './input-bound.js';
import { isSealed, seal, unseal } from './seal.js';
import { summarise } from './summarise.js';

export const SUMMARY_PREFIX = 'Summary of the earlier conversation: ';

/** The route the turn goes to, with the request fields its provider accepted. */
export type ContextRoute = Route & { params: CreateParams };

export interface PreparedContext {
  /** What the model sees this turn (before file / URL content is resolved). */
  items: Item[];
  /** Items `truncation: "auto"` left out (0: none). */
  truncated: number;
  /** Items that lead the Response's output: the compaction item of an automatic compaction. */
  output: Item[];
}

export interface Compacted {
  /** The user messages kept verbatim, then the compaction item. */
  output: Item[];
  usage: { input: number; output: number };
}

export class ContextManager {
  private readonly log: Logger;
  /**
   * Items already opened, by identity: a stored compaction item is the same object every turn (the store's
   * history cache), so it is decrypted once and its summary is the same object too, which keeps the
   * per-conversation memos (content resolution, the size bound, the providers' history JSON) hitting.
   */
  private readonly opened = new WeakMap<Item, { tenant: string; replaces: string[]; summary: Item }>();

  constructor(private readonly opts: { key: Buffer; defaultWindow: number; log?: Logger }) {
    this.log = opts.log ?? silentLogger();
  }

  async prepare(ctx: RequestContext, params: CreateParams, route: ContextRoute, items: Item[], signal: CancelSignal): Promise<PreparedContext> {
    const expanded = this.expand(ctx, items, route.provider.kind);
    let view = expanded.items;
    const output: Item[] = [];
    const threshold = compactThreshold(params, () => this.budget(params, route).window);
    if (threshold !== null && await this.exceeds(params, route, view, threshold, signal)) {
      const done = await this.compactHead(ctx, params, route, view, expanded.replacedBy, signal);
      if (done) {
        view = done.view;
        output.push(done.item);
        this.log.info({ request_id: ctx.requestId, model: route.model, summarised: done.summarised, threshold }, 'input compacted automatically');
      }
    }
    const fitted = await this.fit(ctx, params, route, view, signal);
    return { items: fitted.items, truncated: fitted.truncated, output };
  }

  /**
   * Sealed compaction items → their summary as a developer message (in the item's place, under its id), and
   * the items they stand for left out. `replacedBy`: each expanded item's id → the ids its summary covers, so
   * a later compaction that folds the summary in carries them on.
   */
  expand(ctx: RequestContext, items: Item[], kind: string): { items: Item[]; replacedBy: Map<string, string[]> } {
    const replacedBy = new Map<string, string[]>();
    if (!items.some((i) => i.type === 'compaction')) return { items, replacedBy };
    const summaries = new Map<Item, Item>();
    const replaced = new Set<string>();
    for (const item of items) {
      if (item.type !== 'compaction') continue;
      const content = item.encrypted_content;
      if (!isSealed(content)) {
        if (kind === 'openai') continue; // OpenAI's own: only OpenAI can read it
        throw invalidRequest(`This compaction item was not issued by this server, so provider kind '${kind}' cannot use it; only the openai kind passes OpenAI's compaction items on.`, 'input', 'invalid_encrypted_content');
      }
      let opened = this.opened.get(item);
      if (!opened || opened.tenant !== ctx.tenant) {
        const payload = unseal(this.opts.key, ctx.tenant, content);
        if (!payload) {
          throw invalidRequest('The encrypted content of a compaction item could not be verified: it was altered, or issued by another server or project.', 'input', 'invalid_encrypted_content');
        }
        const id = typeof item.id === 'string' ? item.id : newId('cmp');
        opened = {
          tenant: ctx.tenant,
          replaces: payload.replaces,
          summary: { type: 'message', id, role: 'developer', status: 'completed', content: [{ type: 'input_text', text: SUMMARY_PREFIX + payload.summary }] },
        };
        this.opened.set(item, opened);
      }
      for (const r of opened.replaces) replaced.add(r);
      replacedBy.set(String(opened.summary.id), opened.replaces);
      summaries.set(item, opened.summary);
    }
    const out: Item[] = [];
    for (const item of items) {
      const summary = summaries.get(item);
      if (summary) out.push(summary);
      else if (typeof item.id !== 'string' || !replaced.has(item.id)) out.push(item);
    }
    return { items: out, replacedBy };
  }

  /**
   * `POST /v1/responses/compact`: every user message kept, everything else (assistant turns, tool calls and
   * results, reasoning, earlier summaries, developer messages) summarised into one sealed compaction item.
   */
  async compact(ctx: RequestContext, params: CreateParams, route: ContextRoute, items: Item[], signal: CancelSignal): Promise<Compacted> {
    const expanded = this.expand(ctx, items, route.provider.kind);
    const kept: Item[] = [];
    const rest: Item[] = [];
    for (const item of expanded.items) (isUserMessage(item) ? kept : rest).push(item);
    const { item, usage } = await this.seal(ctx, params, route, rest, expanded.replacedBy, signal);
    return { output: [...kept, item], usage };
  }

  /** The window, the share kept for the output, and what is left for the input. */
  budget(params: CreateParams, route: ContextRoute): { window: number; reserve: number; input: number } {
    const window = contextWindowFor(route.config, route.model, this.opts.defaultWindow);
    const reserve = params.max_output_tokens ?? Math.min(4_096, Math.floor(window / 4));
    return { window, reserve, input: window - reserve };
  }

  private async fit(ctx: RequestContext, params: CreateParams, route: ContextRoute, items: Item[], signal: CancelSignal): Promise<{ items: Item[]; truncated: number }> {
    if (route.provider.kind === 'openai') return { items, truncated: 0 }; // OpenAI truncates (or refuses) itself
    const budget = this.budget(params, route);
    if (inputTokenBound(params.instructions, items, params.tools) <= budget.input) return { items, truncated: 0 };
    let tokens = await this.count(ctx, params, route, items, signal);
    if (tokens <= budget.input) return { items, truncated: 0 };
    if (params.truncation !== 'auto') throw contextLengthExceeded(tokens, budget, false);

    const units = droppableUnits(items);
    const bytes = items.map(utf8Size);
    const fixed = FRAMING_ALLOWANCE + utf8Size(params.instructions) + utf8Size(params.tools);
    const dropped = new Set<number>();
    let next = 0;
    let kept = items;
    // Estimate from this turn's own tokens-per-byte which units must go, then count once to confirm.
    while (next < units.length) {
      const keptBytes = fixed + bytes.reduce((s, b, i) => (dropped.has(i) ? s : s + b), 0);
      const perByte = tokens / keptBytes;
      let estimate = tokens;
      do {
        for (const i of units[next].indices) {
          dropped.add(i);
          estimate -= perByte * bytes[i];
        }
        next++;
      } while (next < units.length && estimate > budget.input);
      kept = items.filter((_, i) => !dropped.has(i));
      tokens = await this.count(ctx, params, route, kept, signal);
      if (tokens <= budget.input) {
        this.log.info({
          request_id: ctx.requestId, model: route.model, dropped_items: dropped.size, input_tokens: tokens, context_window: budget.window,
        }, 'input truncated to fit the context window');
        return { items: kept, truncated: dropped.size };
      }
    }
    throw contextLengthExceeded(tokens, budget, true);
  }

  /** Whether the turn's input is over `limit` tokens: counted only when the cheap bound does not settle it. */
  private async exceeds(params: CreateParams, route: ContextRoute, items: Item[], limit: number, signal: CancelSignal): Promise<boolean> {
    if (inputTokenBound(params.instructions, items, params.tools) <= limit) return false;
    return (await this.count(null, params, route, items, signal)) > limit;
  }

  /** Compacts everything before the last user turn except system / developer and user messages. */
  private async compactHead(
    ctx: RequestContext, params: CreateParams, route: ContextRoute, items: Item[], replacedBy: Map<string, string[]>, signal: CancelSignal,
  ): Promise<{ view: Item[]; item: Item; summarised: number } | null> {
    let lastUser = items.length;
    for (let i = items.length - 1; i >= 0; i--) if (isUserMessage(items[i])) { lastUser = i; break; }
    const head = items.slice(0, lastUser);
    // Earlier summaries are folded into the new one; instructions stay as they are.
    const rest = head.filter((i) => !isUserMessage(i) && (!isInstruction(i) || replacedBy.has(String(i.id))));
    if (!rest.length) return null;
    const { item } = await this.seal(ctx, params, route, rest, replacedBy, signal);
    const gone = new Set(rest);
    const summary = this.expand(ctx, [item], route.provider.kind).items[0];
    const view: Item[] = [];
    let placed = false;
    for (const it of items) {
      if (!gone.has(it)) view.push(it);
      else if (!placed) { view.push(summary); placed = true; }
    }
    return { view, item, summarised: rest.length };
  }

  private async seal(
    ctx: RequestContext, params: CreateParams, route: ContextRoute, rest: Item[], replacedBy: Map<string, string[]>, signal: CancelSignal,
  ): Promise<{ item: Item; usage: { input: number; output: number } }> {
    const summary = rest.length ? await summarise(route, params, rest, signal) : { text: '', usage: { input: 0, output: 0 } };
    const replaces = new Set<string>();
    for (const i of rest) {
      if (typeof i.id !== 'string') continue;
      replaces.add(i.id);
      for (const r of replacedBy.get(i.id) ?? []) replaces.add(r);
    }
    const item = { type: 'compaction', id: newId('cmp'), encrypted_content: seal(this.opts.key, ctx.tenant, { summary: summary.text, replaces: [...replaces] }) };
    return { item, usage: summary.usage };
  }

  /**
   * The provider's count (its vendor endpoint, or the adapter's local estimate); when that fails, a local
   * o200k count of the items' JSON, which over-counts rather than under-counts.
   */
  private async count(ctx: RequestContext | null, params: CreateParams, route: ContextRoute, items: Item[], signal: CancelSignal): Promise<number> {
    const request = {
      model: route.model, instructions: params.instructions ?? null, input: reasoningStateFor(route.provider.kind, viewFor(route, items)), params: route.params, signal,
    };
    if (route.provider.countInputTokens) {
      try {
        return await route.provider.countInputTokens(request);
      } catch (err) {
        this.log.warn({ request_id: ctx?.requestId, provider: route.config.name, model: route.model, error: err instanceof Error ? err.message : String(err) },
          'counting input tokens failed; using a local estimate');
      }
    }
    return encode(JSON.stringify([params.instructions ?? '', items, params.tools ?? null])).length;
  }
}

/** The threshold of a `context_management` compaction entry (default: the input's share of the window). */
function compactThreshold(params: CreateParams, window: () => number): number | null {
  const cm = params.context_management;
  if (!Array.isArray(cm)) return null;
  let threshold: number | null = null;
  for (const [i, entry] of cm.entries()) {
    const e = entry as { type?: unknown; compact_threshold?: unknown };
    if (e.type !== 'compaction') {
      throw invalidRequest(`Unsupported context_management type '${String(e.type)}': expected 'compaction'.`, `context_management[${i}].type`, 'invalid_value');
    }
    const t = e.compact_threshold;
    if (t !== undefined && t !== null && (typeof t !== 'number' || !Number.isFinite(t) || t < 1)) {
      throw invalidRequest('compact_threshold must be a number of tokens ≥ 1.', `context_management[${i}].compact_threshold`, 'invalid_value');
    }
    threshold = typeof t === 'number' ? Math.floor(t) : Math.floor(window() * 0.8);
  }
  return threshold;
}

function contextLengthExceeded(tokens: number, b: { window: number; reserve: number; input: number }, afterTruncation: boolean): ApiError {
  const tail = afterTruncation
    ? 'Truncation dropped every item it may drop (the instructions and the last user turn stay) and it still does not fit.'
    : 'Shorten the input, lower max_output_tokens, or set truncation to "auto" to drop the oldest items.';
  return new ApiError(400, `This model's maximum context length is ${b.window} tokens, ${b.reserve} of them kept for the output, leaving ${b.input} for the input; the input is ${tokens} tokens. ${tail}`, {
    param: 'input', code: 'context_length_exceeded',
  });
}

function isUserMessage(item: Item): boolean {
  return item.type === 'message' && item.role === 'user';
}

function isInstruction(item: Item): boolean {
  return item.type === 'message' && (item.role === 'system' || item.role === 'developer');
}

/** The Response's output starts with `items` (an automatic compaction's item), then the model's own. */
export async function* leadWith<E>(items: Item[], events: AsyncIterable<E>): AsyncIterable<E | { type: 'item'; item: Item }> {
  for (const item of items) yield { type: 'item', item };
  yield* events;
}
