/**
 * A cheap upper bound on a turn's input tokens, so that only a turn near its model's window pays for a
 * precise count (a vendor round trip for Anthropic and Gemini). BPE tokenizers never make more tokens than
 * the UTF-8 bytes they read, and the JSON of the items spends far more bytes on keys and quotes than any chat
 * template spends tokens on framing; a fixed allowance covers the vendor's own additions (Anthropic's tool-use
 * system prompt). Media are not text: an image referenced by id or URL gets a generous allowance, and a file
 * referenced by id or URL has no knowable bound (a PDF's pages), so such a turn is always counted.
 */
import type { Item } from '../api/items.js';

/** The vendor's own additions around the input: tool-use prompts, message framing, reply priming. */
export const FRAMING_ALLOWANCE = 1_024;
/** More than any vendor documents for one image at its highest detail. */
export const IMAGE_ALLOWANCE = 8_000;

export function inputTokenBound(instructions: string | null | undefined, input: Item[], tools: unknown): number {
  let bound = FRAMING_ALLOWANCE + Buffer.byteLength(JSON.stringify([instructions ?? '', tools ?? null]), 'utf8');
  for (const item of input) bound += itemBound(item);
  return bound;
}

/** One item's share of the bound: its JSON's bytes, media allowances added. */
export function itemBound(item: Item): number {
  let bytes = Buffer.byteLength(JSON.stringify(item), 'utf8');
  for (const part of partsOf(item)) {
    if (part.type === 'input_image' && !isDataUrl(part.image_url)) bytes += IMAGE_ALLOWANCE;
    if (part.type === 'input_file' && typeof part.file_data !== 'string') return Number.POSITIVE_INFINITY;
  }
  return bytes;
}

function partsOf(item: Item): Record<string, unknown>[] {
  const c = (item as { content?: unknown; output?: unknown }).content ?? (item as { output?: unknown }).output;
  return Array.isArray(c) ? c.filter((p): p is Record<string, unknown> => !!p && typeof p === 'object') : [];
}

function isDataUrl(u: unknown): boolean {
  return typeof u === 'string' && u.startsWith('data:');
}
