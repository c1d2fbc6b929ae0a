/**
 * Object ids in OpenAI's style: a type prefix and 48 hex characters (`resp_…`, `msg_…`, `fc_…`, `rs_…`).
 * The first 12 hex digits are the creation time in milliseconds, the other 36 are random (144 bits: still
 * unguessable). Time-ordered ids make every index insert land on the rightmost B-tree page instead of a
 * random one, which is most of the store's write cost (each dirtied page is one more WAL frame).
 */
import { randomBytes } from 'node:crypto';

// Random bytes come from a pooled buffer: one syscall per 256 ids instead of one per id.
const POOL_IDS = 256;
const ID_BYTES = 18;
let pool = Buffer.alloc(0);
let offset = 0;

function randomHex(): string {
  if (offset + ID_BYTES > pool.length) {
    pool = randomBytes(POOL_IDS * ID_BYTES);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return hex;
}

export type IdPrefix = 'resp' | 'cmp' | 'msg' | 'fc' | 'fco' | 'rs' | 'ctc' | 'call' | 'conv' | 'file' | 'item' | 'req' | 'thr'
  // server-side tools' items (tools/kits)
  | 'ws' | 'fs' | 'ci' | 'mcp' | 'mcpl' | 'mcpr';

// The time part is formatted once per millisecond, not once per id.
let lastMs = -1;
let timeHex = '';

export function newId(prefix: IdPrefix): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    timeHex = now.toString(16).padStart(12, '0');
  }
  return `${prefix}_${timeHex}${randomHex()}`;
}
