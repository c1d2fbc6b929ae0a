/**
 * How Anthropic's thinking state is stored in a Responses `reasoning` item's `encrypted_content`.
 *
 * | Anthropic block                         | encrypted_content                                    |
 * |-----------------------------------------|------------------------------------------------------|
 * | `thinking` {thinking, signature}         | `thinking:` + base64url(JSON {s: signature, t: text}) |
 * | `redacted_thinking` {data}               | `redacted_thinking:` + data                          |
 * | (older / foreign) a bare signature       | the signature, verbatim                              |
 *
 * The thinking text travels inside encrypted_content together with its signature because Anthropic requires
 * a thinking block back *unmodified*, and clients do not all keep the reasoning text: the Vercel AI SDK keeps
 * only `summary` and `encrypted_content`, so it would send an empty text with the original signature (a 400).
 * With the text inside, encrypted_content alone replays the block, as OpenAI's does. Signatures and redacted
 * data are base64 (no `:`), so the prefixes can never start a real signature. Other vendors' state never
 * reaches this adapter (engine/reasoning-state.ts gives each provider only its own).
 */

export const REDACTED_THINKING_PREFIX = 'redacted_thinking:';

export const THINKING_PREFIX = 'thinking:';

export type ThinkingState =
  | { kind: 'thinking'; signature: string; text?: string }
  | { kind: 'redacted'; data: string };

export function encodeThinking(signature: string, text: string): string {
  return THINKING_PREFIX + Buffer.from(JSON.stringify({ s: signature, t: text })).toString('base64url');
}

export function encodeRedactedThinking(data: string): string {
  return REDACTED_THINKING_PREFIX + data;
}

export function decodeThinkingState(encryptedContent: string): ThinkingState {
  if (encryptedContent.startsWith(REDACTED_THINKING_PREFIX)) {
    return { kind: 'redacted', data: encryptedContent.slice(REDACTED_THINKING_PREFIX.length) };
  }
  if (encryptedContent.startsWith(THINKING_PREFIX)) {
    try {
      const { s, t } = JSON.parse(Buffer.from(encryptedContent.slice(THINKING_PREFIX.length), 'base64url').toString('utf8')) as { s?: unknown; t?: unknown };
      if (typeof s === 'string') return { kind: 'thinking', signature: s, text: typeof t === 'string' ? t : undefined };
    } catch {
      /* not ours after all: treat as a bare signature */
    }
  }
  return { kind: 'thinking', signature: encryptedContent };
}
