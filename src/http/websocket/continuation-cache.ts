/**
 * The connection-local state a `store: false` response leaves for its successor (spec, "WebSocket
 * Continuation"): nothing of it is persisted, so only the socket that made it can continue it. Only the most
 * recent response is kept — what a tool loop continues — so a connection holds one context at most.
 */
import type { Item } from '../../api/items.js';

export interface CachedContext {
  /** The response a continuation names as `previous_response_id`. */
  id: string;
  /** A stored response the context itself continued, if any: its history stays in the store. */
  storedBase: string | null;
  /** Everything after `storedBase`: the inputs of the chain so far and the response's output. */
  items: Item[];
}

export class ContinuationCache {
  private entry: CachedContext | null = null;

  set(entry: CachedContext): void {
    this.entry = entry;
  }

  /**
   * The entry for `id`, removed: a continuation that succeeds replaces it, and one that fails must evict it
   * (spec: "If a continuation turn fails with a 4xx or 5xx error, the server MUST evict…").
   */
  take(id: string): CachedContext | null {
    if (this.entry?.id !== id) return null;
    const e = this.entry;
    this.entry = null;
    return e;
  }

  evict(id: string): void {
    if (this.entry?.id === id) this.entry = null;
  }
}
