/**
 * How a Gemini `thoughtSignature` is kept in a Responses `reasoning` item's `encrypted_content`.
 *
 * Gemini attaches signatures to response *parts* (the first functionCall of a step, a text part, sometimes a
 * thought part) and wants each one back on the same part next turn. A reasoning item is a separate item, so the
 * stored value records which part the signature rides on, relative to the reasoning item's position in the
 * output (map-gemini-stream.ts emits one signature per reasoning item, in this order):
 *
 * | part           | the signature belongs to                                            | replayed as                        |
 * |----------------|---------------------------------------------------------------------|------------------------------------|
 * | `functionCall` | the next function call of the same model turn (item follows)        | `thoughtSignature` on that call    |
 * | `text-next`    | the next text part of the same model turn (message follows)         | `thoughtSignature` on that text    |
 * | `text-prev`    | the text streamed just before (signature came on a later chunk)     | `thoughtSignature` on that text    |
 * | `thought`      | a thought part (the reasoning item itself)                          | `{thought:true, text, signature}`  |
 *
 * Encoding: `gemini:` + base64url(JSON `{"v":1,"part":…,"sig":…}`). The `gemini:` prefix (base64 signatures of
 * other vendors never contain `:`) lets every adapter tell a Gemini value from its own and skip it; the
 * signature itself is kept byte for byte.
 */

export type SignedPart = 'functionCall' | 'text-next' | 'text-prev' | 'thought';

export interface ThoughtSignatureRef { part: SignedPart; sig: string }

export const GEMINI_SIGNATURE_PREFIX = 'gemini:';

/**
 * Google's documented stand-in for function calls that have no signature (history written by another model, or
 * a client that did not keep reasoning items): tells Gemini 3 to skip signature validation for that call.
 */
export const SKIP_SIGNATURE_VALIDATOR = 'skip_thought_signature_validator';

const PARTS: ReadonlySet<string> = new Set<SignedPart>(['functionCall', 'text-next', 'text-prev', 'thought']);

export function encodeThoughtSignature(ref: ThoughtSignatureRef): string {
  const json = JSON.stringify({ v: 1, part: ref.part, sig: ref.sig });
  return GEMINI_SIGNATURE_PREFIX + Buffer.from(json, 'utf8').toString('base64url');
}

/** The signature a Gemini adapter stored, or null for anything else (another vendor's state, garbage). */
export function decodeThoughtSignature(encryptedContent: string | null | undefined): ThoughtSignatureRef | null {
  if (typeof encryptedContent !== 'string' || !encryptedContent.startsWith(GEMINI_SIGNATURE_PREFIX)) return null;
  try {
    const json = Buffer.from(encryptedContent.slice(GEMINI_SIGNATURE_PREFIX.length), 'base64url').toString('utf8');
    const v = JSON.parse(json) as { v?: unknown; part?: unknown; sig?: unknown };
    if (v.v !== 1 || typeof v.part !== 'string' || !PARTS.has(v.part) || typeof v.sig !== 'string' || !v.sig) return null;
    return { part: v.part as SignedPart, sig: v.sig };
  } catch {
    return null;
  }
}
