import type { ServerResponse } from 'node:http';
import { Cancellation } from '../api/cancellation.js';

/** Cancelled when the client goes away before its answer is complete (the upstream call is then aborted). */
export function clientGone(res: ServerResponse): Cancellation {
  const gone = new Cancellation();
  res.on('close', () => { if (!res.writableFinished) gone.cancel(); });
  return gone;
}
