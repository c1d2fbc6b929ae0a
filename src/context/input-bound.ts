/**
 * A cheap upper bound on a turn's input tokens, so that only a turn near its model's window pays for a
 * precise count (a vendor round trip for Anthropic and Gemini). BPE tokenizers never make more tokens than
 * the UTF-8 bytes they read, and the items' keys take more bytes than any chat template spends tokens on
 * framing; a fixed allowance covers the vendor's own additions (Anthropic's tool-use
 * system prompt). Media are not text: an image (inline or not) counts as a generous allowance, and a file
 * referenced by id or URL has no knowable bound (a PDF's pages), so such a turn is always counted.
 */
import type { Item } from '../api/items.js';
import { MEMO_MIN_ITEMS, PrefixMemo } from '../engine/prefix-memo.js';

/** The vendor's own additions around the input: tool-use prompts, message framing, reply priming. */
export const FRAMING_ALLOWANCE = 1_024;
/** More than any vendor documents for one image at its highest detail. */
export const IMAGE_ALLOWANCE = 8_000;

export function inputTokenBound(instructions: string | null | undefined, input: Item[], tools: unknown): number {
  return FRAMING_ALLOWANCE + utf8Size(instructions) + utf8Size(tools) + itemsBound(input);
}

/**
 * Running totals of the items' bounds, per conversation: a long history's shared leading items (the same
 * objects next turn, see PrefixMemo) are sized once, not on every turn.
 */
const totals = new PrefixMemo<number[]>();

function itemsBound(items: Item[]): number {
  if (items.length < MEMO_MIN_ITEMS) {
    let n = 0;
    for (const item of items) n += itemBound(item);
    return n;
  }
  const hit = totals.get(items);
  const sums = hit ? hit.value.slice(0, hit.common) : [];
  let acc = sums.length ? sums[sums.length - 1] : 0;
  for (let i = sums.length; i < items.length; i++) sums.push((acc += itemBound(items[i])));
  totals.set(items, sums);
  return acc;
}

/** One item's share of the bound: the UTF-8 size of its keys and values, media allowances added. */
export function itemBound(item: Item): number {
  let bytes = utf8Size(item);
  for (const part of partsOf(item)) {
    // An image costs the model its pixels, not its URL's (or inline base64's) length.
    if (part.type === 'input_image') bytes += IMAGE_ALLOWANCE - (typeof part.image_url === 'string' ? utf8Size(part.image_url) : 0);
    if (part.type === 'input_file' && typeof part.file_data !== 'string') return Number.POSITIVE_INFINITY;
  }
  return bytes;
}

function partsOf(item: Item): Record<string, unknown>[] {
  const c = (item as { content?: unknown; output?: unknown }).content ?? (item as { output?: unknown }).output;
  return Array.isArray(c) ? c.filter((p): p is Record<string, unknown> => !!p && typeof p === 'object') : [];
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * The UTF-8 bytes of every key and string in `v`, plus a few per value for its framing: a little under its
 * JSON's size, far over its tokens, and some twenty times cheaper than serializing it (it runs on every request).
 */
export function utf8Size(v: unknown): number {
  if (typeof v === 'string') return NON_ASCII.test(v) ? Buffer.byteLength(v, 'utf8') : v.length;
  if (v === null || typeof v !== 'object') return 8;
  let n = 2;
  if (Array.isArray(v)) {
    for (const x of v) n += utf8Size(x) + 1;
    return n;
  }
  for (const k in v) n += k.length + 4 + utf8Size((v as Record<string, unknown>)[k]);
  return n;
}
