/**
 * How Anthropic's thinking state is stored in a Responses `reasoning` item's `encrypted_content`.
 *
 * | Anthropic block                         | encrypted_content                  |
 * |-----------------------------------------|------------------------------------|
 * | `thinking` {thinking, signature}         | the signature, verbatim            |
 * | `redacted_thinking` {data}               | `redacted_thinking:` + data        |
 *
 * A signature is kept verbatim so the value a client sees is exactly what Anthropic issued. Signatures and
 * redacted data are base64 (no `:`), so the prefix can never be the start of a real signature.
 *
 * Limitation: encrypted_content written by another vendor (an OpenAI `gAAAA…` blob, a Gemini thoughtSignature)
 * is indistinguishable from a signature and would be sent as one; Anthropic then rejects the request (400).
 */

export const REDACTED_THINKING_PREFIX = 'redacted_thinking:';

export type ThinkingState = { kind: 'thinking'; signature: string } | { kind: 'redacted'; data: string };

export function encodeRedactedThinking(data: string): string {
  return REDACTED_THINKING_PREFIX + data;
}

export function decodeThinkingState(encryptedContent: string): ThinkingState {
  if (encryptedContent.startsWith(REDACTED_THINKING_PREFIX)) {
    return { kind: 'redacted', data: encryptedContent.slice(REDACTED_THINKING_PREFIX.length) };
  }
  return { kind: 'thinking', signature: encryptedContent };
}
