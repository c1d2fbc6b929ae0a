/**
 * Opaque reasoning state (OpenAI's encrypted reasoning, Anthropic's thinking signatures, Gemini's thought
 * signatures) only means something to the vendor that issued it; sending one vendor's blob to another is a
 * 400 there. Switchboard tags what it hands out with the provider kind (`sb:<kind>:<blob>`) and, before each
 * call, gives a provider back only its own blobs (untagged ones — e.g. from a client that talked to the vendor
 * directly before — pass unchanged). This is what lets a conversation move between providers (a fallback, a
 * model switch) without the next turn failing.
 */
import type { Item } from '../api/items.js';

const PREFIX = 'sb:';

export function tagSignature(kind: string, blob: string): string {
  return `${PREFIX}${kind}:${blob}`;
}

/**
 * Input for `kind`: its own blobs untagged, other vendors' blobs removed. Copies only what changes, and
 * gives the same copy for the same item every turn (history items are shared, read-only objects), so what
 * providers remember about history items (providers/history-json.ts) holds for these too.
 */
export function reasoningStateFor(kind: string, items: Item[]): Item[] {
  let out: Item[] | null = null;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item.type !== 'reasoning' || typeof item.encrypted_content !== 'string' || !item.encrypted_content.startsWith(PREFIX)) continue;
    out ??= items.slice();
    out[i] = copyFor(kind, item);
  }
  return out ?? items;
}

const copies = new WeakMap<Item, { kind: string; copy: Item }>();

function copyFor(kind: string, item: Item): Item {
  const hit = copies.get(item);
  if (hit && hit.kind === kind) return hit.copy;
  const rest = (item.encrypted_content as string).slice(PREFIX.length);
  const colon = rest.indexOf(':');
  const own = rest.slice(0, colon) === kind;
  const copy = { ...item, encrypted_content: own ? rest.slice(colon + 1) : null };
  copies.set(item, { kind, copy });
  return copy;
}
