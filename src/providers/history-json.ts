/**
 * A provider's history as JSON bytes, remembered from one turn to the next. History items are shared and
 * read-only (the store's history cache), and a conversation's next turn starts with the same item objects,
 * so the JSON of the wire entries made from them is remembered:
 * - per entry, keyed by the entry's first item and valid for exactly the same items;
 * - as the bytes of the whole input sent last time from the same conversation root (PrefixMemo), with the
 *   item index and byte offset of every entry boundary, so the next turn copies the bytes up to the last
 *   boundary it shares (all of them when continuing from the tip, the history up to the fork for a fork).
 * Continuing a long conversation then serializes and encodes only what is new.
 *
 * A provider describes how items group into wire entries (a Chat assistant turn merges several items, a
 * Responses input item is one); `convert` must depend on the items alone, never on request options.
 */
import type { Item } from '../api/items.js';
import { MEMO_MIN_ITEMS, PrefixMemo } from '../engine/prefix-memo.js';

export interface HistoryJsonSpec<C> {
  /** End (exclusive) of the group of items starting at `start` that make one wire entry. */
  groupEnd(input: Item[], start: number): number;
  /** Whether a group that ended at `b` in an earlier input continues past `b` in this one. */
  continuesAcross(input: Item[], b: number): boolean;
  /** The wire entry for items [start, end), or null when they make none; `context` only words errors. */
  convert(input: Item[], start: number, end: number, context: C): unknown;
}

/** The bytes of an earlier input and, for each entry boundary in it, the item index and the byte offset. */
interface SentBytes { bytes: Buffer; ends: number[]; offsets: number[] }

const EMPTY = Buffer.alloc(0);

export class HistoryJson<C> {
  private readonly groupJson = new WeakMap<Item, { items: Item[]; json: string }>();
  private readonly sentBefore = new PrefixMemo<SentBytes>();

  constructor(private readonly spec: HistoryJsonSpec<C>) {}

  /** The entries for `input` as comma-separated JSON (no brackets; empty when there are none), UTF-8. */
  bytes(input: Item[], context: C): Buffer {
    if (input.length < MEMO_MIN_ITEMS) return this.direct(input, context);
    const before = this.sentBefore.get(input);
    const { start: resume, head, kept } = this.reusablePrefix(input, before);
    const parts: string[] = [];
    const ends = kept.ends;
    const offsets = kept.offsets;
    let offset = head.length;
    for (let start = resume; start < input.length;) {
      const end = this.spec.groupEnd(input, start);
      const json = this.groupJsonOf(input, start, end, context);
      if (json) {
        offset += (offset ? 1 : 0) + Buffer.byteLength(json);
        parts.push(json);
      }
      ends.push(end);
      offsets.push(offset);
      start = end;
    }
    const rest = parts.join(',');
    const bytes = !head.length ? Buffer.from(rest) : !rest ? head : Buffer.concat([head, Buffer.from(`,${rest}`)]);
    this.sentBefore.set(input, { bytes, ends, offsets });
    return bytes;
  }

  private direct(input: Item[], context: C): Buffer {
    const parts: string[] = [];
    for (let start = 0; start < input.length;) {
      const end = this.spec.groupEnd(input, start);
      const entry = this.spec.convert(input, start, end, context);
      if (entry !== null) parts.push(JSON.stringify(entry));
      start = end;
    }
    return Buffer.from(parts.join(','));
  }

  /**
   * Where to resume: the last entry boundary within the items this input shares with the one sent before
   * (and that no group of this input continues across), the bytes up to it, and the boundaries kept.
   */
  private reusablePrefix(input: Item[], before: ReturnType<PrefixMemo<SentBytes>['get']>) {
    const none = { start: 0, head: EMPTY, kept: { ends: [] as number[], offsets: [] as number[] } };
    if (!before) return none;
    const { ends, offsets, bytes } = before.value;
    for (let k = upperBound(ends, before.common) - 1; k >= 0; k--) {
      const b = ends[k];
      if (b < input.length && this.spec.continuesAcross(input, b)) continue;
      return { start: b, head: bytes.subarray(0, offsets[k]), kept: { ends: ends.slice(0, k + 1), offsets: offsets.slice(0, k + 1) } };
    }
    return none;
  }

  /** A group's JSON ('' when it makes no entry), keyed by its first item and valid for exactly the same items. */
  private groupJsonOf(input: Item[], start: number, end: number, context: C): string {
    const first = input[start];
    const hit = this.groupJson.get(first);
    if (hit && hit.items.length === end - start && hit.items.every((item, k) => item === input[start + k])) return hit.json;
    const entry = this.spec.convert(input, start, end, context);
    const json = entry === null ? '' : JSON.stringify(entry);
    this.groupJson.set(first, { items: input.slice(start, end), json });
    return json;
  }
}

/** `{"<key>":[<entries>],<the fields of rest>}` as bytes, the entries spliced in without re-serializing. */
export function jsonWithArray(key: string, entries: Buffer, rest: Record<string, unknown>, lead = ''): Buffer {
  const fields = JSON.stringify(rest);
  const open = `{${JSON.stringify(key)}:[${lead}${lead && entries.length ? ',' : ''}`;
  const close = fields === '{}' ? ']}' : `],${fields.slice(1)}`;
  return Buffer.concat([Buffer.from(open), entries, Buffer.from(close)]);
}

/** Index of the first element > x in an ascending array. */
function upperBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
