/**
 * Parsed thread prefixes, kept in memory so continuing a long conversation does not re-read and re-parse
 * its whole history every turn. A thread only ever grows (rows are appended at `next_seq`), so a cached
 * prefix never goes stale. The cache is bounded (LRU by thread) both by the item references it holds and by
 * the size of those items' JSON, so a few huge items (inline images) cannot fill the memory. Forks share
 * their prefix's item objects, so a reference costs a pointer, not a copy (their bytes are counted twice:
 * the bound errs on the safe side). Cached items are shared: callers must treat them as read-only.
 */
import type { Item } from '../api/items.js';

interface Entry { items: Item[]; bytes: number }

export class HistoryCache {
  private readonly threads = new Map<string, Entry>();
  private totalItems = 0;
  private totalBytes = 0;

  constructor(private readonly maxItems = 1_000_000, private readonly maxBytes = 128 * 2 ** 20) {}

  /** Items [0, endSeq) of the thread, when cached that far. */
  get(threadId: string, endSeq: number): Item[] | null {
    return this.getEntry(threadId, endSeq)?.items ?? null;
  }

  /** Items [0, endSeq) and (an estimate of) their JSON size, when cached that far. */
  getEntry(threadId: string, endSeq: number): Entry | null {
    const entry = this.threads.get(threadId);
    if (!entry || entry.items.length < endSeq) return null;
    this.threads.delete(threadId); // refresh LRU position
    this.threads.set(threadId, entry);
    if (entry.items.length === endSeq) return entry;
    return { items: entry.items.slice(0, endSeq), bytes: Math.ceil((entry.bytes * endSeq) / entry.items.length) };
  }

  /** Records the thread's items [0, items.length), whose JSON is `bytes` long. */
  set(threadId: string, items: Item[], bytes: number): void {
    this.drop(threadId);
    if (items.length > this.maxItems || bytes > this.maxBytes) return;
    this.threads.set(threadId, { items, bytes });
    this.totalItems += items.length;
    this.totalBytes += bytes;
    this.evict();
  }

  /** Appends rows written at seq `start…`; only when the cached prefix ends exactly there. */
  append(threadId: string, start: number, items: Item[], bytes: number): void {
    const entry = this.threads.get(threadId);
    if (!entry || entry.items.length !== start) return;
    entry.items.push(...items);
    entry.bytes += bytes;
    this.totalItems += items.length;
    this.totalBytes += bytes;
    this.evict();
  }

  drop(threadId: string): void {
    const entry = this.threads.get(threadId);
    if (!entry) return;
    this.totalItems -= entry.items.length;
    this.totalBytes -= entry.bytes;
    this.threads.delete(threadId);
  }

  private evict() {
    while ((this.totalItems > this.maxItems || this.totalBytes > this.maxBytes) && this.threads.size > 0) {
      const oldest = this.threads.keys().next().value!;
      this.drop(oldest);
    }
  }
}
