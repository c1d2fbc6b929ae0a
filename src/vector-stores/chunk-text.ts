/**
 * Static chunking as OpenAI describes it: windows of at most `max_chunk_size_tokens` tokens (o200k, counted with
 * gpt-tokenizer), each starting `max - overlap` tokens after the previous one, the last ending at the text's
 * end. So n tokens give 1 chunk when n ≤ max, else 1 + ceil((n − max) / (max − overlap)).
 *
 * The text is tokenized in slices cut at whitespace, yielding to the event loop between them: a large file does
 * not stall every other request for the whole of its tokenization.
 */
import { decode, encode } from 'gpt-tokenizer';
import type { ChunkingStrategy } from './vector-store-params.js';

const SLICE_CHARS = 64 * 1024;

export async function tokenize(text: string): Promise<number[]> {
  const tokens: number[] = [];
  let at = 0;
  while (at < text.length) {
    let end = Math.min(text.length, at + SLICE_CHARS);
    if (end < text.length) {
      const ws = text.lastIndexOf(' ', end);
      if (ws > at) end = ws;
    }
    for (const t of encode(text.slice(at, end))) tokens.push(t);
    at = end;
    if (at < text.length) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return tokens;
}

/** The chunk windows of `n` tokens: [start, end) pairs. */
export function chunkWindows(n: number, s: ChunkingStrategy): [number, number][] {
  const step = s.max_chunk_size_tokens - s.chunk_overlap_tokens;
  const out: [number, number][] = [];
  for (let start = 0; ; start += step) {
    const end = Math.min(n, start + s.max_chunk_size_tokens);
    out.push([start, end]);
    if (end >= n) return out;
  }
}

export async function chunkText(text: string, s: ChunkingStrategy): Promise<string[]> {
  const tokens = await tokenize(text);
  if (!tokens.length) return [];
  return chunkWindows(tokens.length, s).map(([a, b]) => decode(tokens.slice(a, b)).trim()).filter(Boolean);
}
