/**
 * Work done on a conversation's history, remembered for the next turn. History items are shared, read-only
 * objects (the store's history cache), and the next turn's input starts with the same objects, so a value
 * computed over an input is good for the leading items a later input has in common with it (compared by
 * identity, item by item: a pointer comparison each, not a re-scan of their content). Continuing from the
 * tip shares the whole previous input; a fork (regenerate, edit) shares the history up to the fork.
 *
 * One entry per conversation root (the first item), replaced each turn, so memory stays linear in the
 * history, and the entry goes when the items do.
 */
import type { Item } from '../api/items.js';

/** Inputs shorter than this are worked on directly: remembering them would cost more than it saves. */
export const MEMO_MIN_ITEMS = 8;

export class PrefixMemo<V> {
  private readonly byRoot = new WeakMap<Item, { items: Item[]; value: V }>();

  /**
   * The value remembered for an input starting with `input[0]`, and `common`: how many leading items the two
   * inputs share (at least 1). The caller uses the part of the value that covers those items.
   */
  get(input: Item[]): { common: number; items: Item[]; value: V } | null {
    if (!input.length) return null;
    const hit = this.byRoot.get(input[0]);
    if (!hit) return null;
    const { items } = hit;
    const n = Math.min(items.length, input.length);
    let common = 1;
    while (common < n && items[common] === input[common]) common++;
    return { common, items, value: hit.value };
  }

  /** Remembers `value` as computed over all of `input`. */
  set(input: Item[], value: V): void {
    if (input.length) this.byRoot.set(input[0], { items: input.slice(), value });
  }
}
