/**
 * One turn at a time per conversation. A response on a conversation holds its conversation's lock from before
 * it reads the conversation's items until its own items are committed there, so a second response on the same
 * conversation waits and then sees the first one's turn: turns never interleave, and none is lost or answered
 * against a stale history. (OpenAI instead refuses the second with 400 `conversation_locked`, "retry in a few
 * seconds"; waiting gives every client the answer it would have got by retrying, without the polling.)
 *
 * The interface is all the service knows, so a backend shared by several processes (a PostgreSQL advisory
 * lock, a Redis lock) can replace the in-process one.
 */
import type { CancelSignal } from '../api/cancellation.js';
import { ApiError } from '../api/errors.js';

export interface ConversationLocks {
  /**
   * Resolves once the caller holds `key`'s lock, in arrival order; rejects if `signal` aborts first (the
   * client left while waiting: it is out of the queue). The returned function releases the lock; calling it
   * again does nothing.
   */
  acquire(key: string, signal: CancelSignal): Promise<() => void>;
}

interface Waiter { grant: () => void }

export class InProcessConversationLocks implements ConversationLocks {
  /** Held keys and who waits for each, oldest first. A key with no holder has no entry. */
  private readonly held = new Map<string, Waiter[]>();

  acquire(key: string, signal: CancelSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(waitCancelled());
    const queue = this.held.get(key);
    if (!queue) {
      this.held.set(key, []);
      return Promise.resolve(this.releaser(key));
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = queue.indexOf(waiter);
        if (i >= 0) queue.splice(i, 1);
        reject(waitCancelled());
      };
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.releaser(key));
        },
      };
      queue.push(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Keys held right now (a diagnostic for tests: nothing may stay held after its response ended). */
  heldKeys(): string[] {
    return [...this.held.keys()];
  }

  private releaser(key: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const queue = this.held.get(key);
      const next = queue?.shift();
      if (next) next.grant();
      else this.held.delete(key);
    };
  }
}

function waitCancelled(): ApiError {
  return new ApiError(499, 'The request was cancelled while it waited for its turn on the conversation.', { code: 'request_cancelled' });
}
