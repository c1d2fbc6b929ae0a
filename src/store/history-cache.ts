/**
 * Parsed thread prefixes, kept in memory so continuing a long conversation does not re-read and re-parse
 * its whole history every turn. A thread only ever grows (rows are appended at `next_seq`), so a cached
 * prefix never goes stale; the cache is bounded by the total number of item references it holds (LRU by
 * thread). Forks share their prefix's item objects, so a reference costs a pointer, not a copy.
 * Cached items are shared: callers must treat them as read-only.
 */
import type { Item } from '../api/items.js';

export class HistoryCache {
  private readonly threads = new Map<string, Item[]>();
  private total = 0;

  constructor(private readonly maxItems = 1_000_000) {}

  /** Items [0, endSeq) of the thread, when cached that far. */
  get(threadId: string, endSeq: number): Item[] | null {
    const items = this.threads.get(threadId);
    if (!items || items.length < endSeq) return null;
    this.threads.delete(threadId); // refresh LRU position
    this.threads.set(threadId, items);
    return items.length === endSeq ? items : items.slice(0, endSeq);
  }

  /** Records the thread's items [0, items.length). */
  set(threadId: string, items: Item[]): void {
    if (items.length > this.maxItems) return;
    this.drop(threadId);
    this.threads.set(threadId, items);
    this.total += items.length;
    this.evict();
  }

  /** Appends rows written at seq `start…`; only when the cached prefix ends exactly there. */
  append(threadId: string, start: number, items: Item[]): void {
    const cached = this.threads.get(threadId);
    if (!cached || cached.length !== start) return;
    cached.push(...items);
    this.total += items.length;
    this.evict();
  }

  drop(threadId: string): void {
    const items = this.threads.get(threadId);
    if (!items) return;
    this.total -= items.length;
    this.threads.delete(threadId);
  }

  private evict() {
    while (this.total > this.maxItems && this.threads.size > 1) {
      const oldest = this.threads.keys().next().value!;
      this.drop(oldest);
    }
  }
}
