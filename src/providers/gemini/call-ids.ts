/**
 * Call ids. Gemini's `functionCall.id` is optional: some models send one, most do not. When it is present it
 * becomes the `call_id` and is echoed back on `functionCall.id` / `functionResponse.id` next turn; when it is
 * absent Switchboard makes one up with a recognizable prefix and never sends it to Gemini (which never saw it and
 * correlates responses by name and order), so replayed history is exactly what the model produced.
 */
import { randomBytes } from 'node:crypto';

export const SYNTHETIC_CALL_ID_PREFIX = 'call_gemini_';

export function syntheticCallId(): string {
  return SYNTHETIC_CALL_ID_PREFIX + randomBytes(12).toString('hex');
}

/** The id to send back on functionCall / functionResponse, if any. */
export function upstreamCallId(callId: string): string | undefined {
  return callId && !callId.startsWith(SYNTHETIC_CALL_ID_PREFIX) ? callId : undefined;
}
