import type { Item } from '../api/items.js';

/**
 * A copy of an item as it is now, for an event: the builder keeps mutating its own item (and the event may be
 * held, or read by the SDK by reference), so the item and its part arrays are copied — parts themselves are
 * replaced, never mutated, once a part is done, and are plain strings-and-arrays objects.
 */
export function snapshotItem<T extends Item>(item: T): T {
  const copy = { ...item } as Record<string, unknown>;
  for (const key of ['content', 'summary'] as const) {
    const v = copy[key];
    if (Array.isArray(v)) copy[key] = v.map((p) => ({ ...p }));
  }
  return copy as T;
}
