/**
 * Compaction items' `encrypted_content`: AES-256-GCM under the server key, bound to the tenant (additional
 * authenticated data), so a client can neither read the summary nor forge or alter one, and one tenant's item
 * does not open for another. Text form: `sbc1.` + base64url(iv ‖ tag ‖ ciphertext). The prefix tells
 * Switchboard's items from OpenAI's (which pass through to the `openai` kind unchanged).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const SEAL_PREFIX = 'sbc1.';
const IV = 12;
const TAG = 16;

export interface CompactionPayload {
  /** The model-written summary of the items the compaction stands for. */
  summary: string;
  /** Ids of the items it replaces: left out of the model's view wherever they appear again. */
  replaces: string[];
}

export function isSealed(content: unknown): content is string {
  return typeof content === 'string' && content.startsWith(SEAL_PREFIX);
}

export function seal(key: Buffer, tenant: string, payload: CompactionPayload): string {
  const iv = randomBytes(IV);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(tenant));
  const body = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
  return SEAL_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** The payload, or null when the text was not sealed by this key for this tenant (or was altered). */
export function unseal(key: Buffer, tenant: string, content: string): CompactionPayload | null {
  if (!isSealed(content)) return null;
  const raw = Buffer.from(content.slice(SEAL_PREFIX.length), 'base64url');
  if (raw.length < IV + TAG) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV));
    decipher.setAAD(aad(tenant));
    decipher.setAuthTag(raw.subarray(IV, IV + TAG));
    const text = Buffer.concat([decipher.update(raw.subarray(IV + TAG)), decipher.final()]).toString('utf8');
    const p = JSON.parse(text) as CompactionPayload;
    return typeof p.summary === 'string' && Array.isArray(p.replaces) ? p : null;
  } catch {
    return null;
  }
}

function aad(tenant: string): Buffer {
  return Buffer.from(`switchboard-compaction-v1\0${tenant}`, 'utf8');
}
