/**
 * Every write the Conversations API makes, as plain data (so it can cross to the writer thread, like the
 * response writes in store/sqlite-writes.ts) and the prepared statements that apply them. Going through the
 * same Writer as the responses' final writes gives one order to everything that changes a conversation: an
 * item added right after a response completed lands after that response's items.
 */
import type BetterSqlite3 from 'better-sqlite3';

/** An item already serialized, with its id. */
export interface ItemRow { id: string; json: string }

export type ConversationWriteOp =
  | { op: 'conversation.create'; tenant: string; id: string; createdAt: number; metadata: string; items: ItemRow[] }
  | { op: 'conversation.update'; tenant: string; id: string; metadata: string }
  | { op: 'conversation.delete'; tenant: string; id: string }
  | { op: 'conversation.append'; tenant: string; id: string; items: ItemRow[] }
  | { op: 'conversation.delete_item'; tenant: string; id: string; itemId: string };

/** `found`: the conversation (and, for delete_item, the item) existed in the caller's tenant. */
export interface ConversationWriteResult { found: boolean }

export function isConversationOp(op: { op: string }): op is ConversationWriteOp {
  return op.op.startsWith('conversation.');
}

export class ConversationWrites {
  private readonly q;

  constructor(db: BetterSqlite3.Database) {
    this.q = {
      insert: db.prepare('INSERT INTO conversations (id, tenant, created_at, metadata, thread_id, next_seq) VALUES (?, ?, ?, ?, NULL, 0)'),
      update: db.prepare('UPDATE conversations SET metadata = ? WHERE id = ? AND tenant = ?'),
      delete: db.prepare('DELETE FROM conversations WHERE id = ? AND tenant = ?'),
      deleteItems: db.prepare('DELETE FROM conversation_items WHERE conversation_id = ? AND tenant = ?'),
      // Claims n positions and says where they start, in one statement; no row: no such conversation.
      claim: db.prepare('UPDATE conversations SET next_seq = next_seq + ? WHERE id = ? AND tenant = ? RETURNING next_seq').pluck(),
      insertItem: db.prepare('INSERT INTO conversation_items (conversation_id, seq, item_id, tenant, response_id, data) VALUES (?, ?, ?, ?, ?, ?)'),
      deleteItem: db.prepare('DELETE FROM conversation_items WHERE conversation_id = ? AND tenant = ? AND item_id = ?'),
      exists: db.prepare('SELECT 1 FROM conversations WHERE id = ? AND tenant = ?').pluck(),
    };
  }

  /** Applies one write; runs inside the caller's transaction. */
  apply(op: ConversationWriteOp): ConversationWriteResult {
    switch (op.op) {
      case 'conversation.create':
        this.q.insert.run(op.id, op.tenant, op.createdAt, op.metadata);
        return { found: this.append(op.tenant, op.id, op.items, null) };
      case 'conversation.update':
        return { found: this.q.update.run(op.metadata, op.id, op.tenant).changes === 1 };
      case 'conversation.delete': {
        const found = this.q.delete.run(op.id, op.tenant).changes === 1;
        if (found) this.q.deleteItems.run(op.id, op.tenant);
        return { found };
      }
      case 'conversation.append':
        return { found: this.append(op.tenant, op.id, op.items, null) };
      case 'conversation.delete_item':
        if (this.q.exists.get(op.id, op.tenant) === undefined) return { found: false };
        return { found: this.q.deleteItem.run(op.id, op.tenant, op.itemId).changes > 0 };
    }
  }

  /**
   * Appends `items` after the conversation's last position, contiguously: a turn's items are never split by
   * another write, whatever else is queued. False when the conversation is gone (deleted while a response on
   * it ran: that response is still stored, only not appended).
   */
  append(tenant: string, id: string, items: ItemRow[], responseId: string | null): boolean {
    const next = this.q.claim.get(items.length, id, tenant) as number | undefined;
    if (next === undefined) return false;
    const start = next - items.length;
    items.forEach((it, k) => this.q.insertItem.run(id, start + k, it.id, tenant, responseId, it.json));
    return true;
  }
}
