/**
 * Conversations and their items in the embedded SQLite store: reads are prepared statements on the main
 * connection; writes are data (conversation-writes.ts) handed to the store's Writer, the same queue the
 * responses' final writes go through. Every query is scoped by tenant.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Item } from '../api/items.js';
import type { Writer } from '../store/sqlite-writer.js';
import type { ItemRow } from './conversation-writes.js';

export interface ConversationRecord { id: string; createdAt: number; metadata: Record<string, string> }

export interface ItemPageQuery { limit: number; order: 'asc' | 'desc'; after?: string }

export class ConversationStore {
  private readonly q;

  constructor(db: BetterSqlite3.Database, private readonly writer: Writer) {
    this.q = {
      get: db.prepare('SELECT id, created_at, metadata FROM conversations WHERE id = ? AND tenant = ?'),
      all: db.prepare('SELECT data FROM conversation_items WHERE conversation_id = ? AND tenant = ? ORDER BY seq').pluck(),
      item: db.prepare('SELECT data FROM conversation_items WHERE conversation_id = ? AND tenant = ? AND item_id = ? ORDER BY seq DESC LIMIT 1').pluck(),
      itemSeq: db.prepare('SELECT seq FROM conversation_items WHERE conversation_id = ? AND tenant = ? AND item_id = ? ORDER BY seq DESC LIMIT 1').pluck(),
      pageAsc: db.prepare('SELECT data FROM conversation_items WHERE conversation_id = ? AND tenant = ? AND seq > ? ORDER BY seq ASC LIMIT ?').pluck(),
      pageDesc: db.prepare('SELECT data FROM conversation_items WHERE conversation_id = ? AND tenant = ? AND seq < ? ORDER BY seq DESC LIMIT ?').pluck(),
    };
  }

  async get(tenant: string, id: string): Promise<ConversationRecord | null> {
    const row = this.q.get.get(id, tenant) as { id: string; created_at: number; metadata: string } | undefined;
    return row ? { id: row.id, createdAt: Number(row.created_at), metadata: JSON.parse(row.metadata) as Record<string, string> } : null;
  }

  async create(tenant: string, c: ConversationRecord, items: Item[]): Promise<void> {
    await this.writer.run({ op: 'conversation.create', tenant, id: c.id, createdAt: c.createdAt, metadata: JSON.stringify(c.metadata), items: rows(items) });
  }

  async update(tenant: string, id: string, metadata: Record<string, string>): Promise<boolean> {
    return (await this.writer.run({ op: 'conversation.update', tenant, id, metadata: JSON.stringify(metadata) })).found;
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    return (await this.writer.run({ op: 'conversation.delete', tenant, id })).found;
  }

  /** False when there is no such conversation. */
  async append(tenant: string, id: string, items: Item[]): Promise<boolean> {
    return (await this.writer.run({ op: 'conversation.append', tenant, id, items: rows(items) })).found;
  }

  async deleteItem(tenant: string, id: string, itemId: string): Promise<boolean> {
    return (await this.writer.run({ op: 'conversation.delete_item', tenant, id, itemId })).found;
  }

  /** Every item, oldest first: what the model sees before a new turn's input. */
  async allItems(tenant: string, id: string): Promise<Item[]> {
    return (this.q.all.all(id, tenant) as string[]).map((d) => JSON.parse(d) as Item);
  }

  async getItem(tenant: string, id: string, itemId: string): Promise<Item | null> {
    const data = this.q.item.get(id, tenant, itemId) as string | undefined;
    return data === undefined ? null : JSON.parse(data) as Item;
  }

  /** One page plus one row, to tell whether there is more. An `after` that is not in the conversation: empty. */
  async page(tenant: string, id: string, q: ItemPageQuery): Promise<{ items: Item[]; hasMore: boolean }> {
    let cursor = q.order === 'asc' ? -1 : Number.MAX_SAFE_INTEGER;
    if (q.after !== undefined) {
      const seq = this.q.itemSeq.get(id, tenant, q.after) as number | undefined;
      if (seq === undefined) return { items: [], hasMore: false };
      cursor = seq;
    }
    const stmt = q.order === 'asc' ? this.q.pageAsc : this.q.pageDesc;
    const data = stmt.all(id, tenant, cursor, q.limit + 1) as string[];
    return { items: data.slice(0, q.limit).map((d) => JSON.parse(d) as Item), hasMore: data.length > q.limit };
  }
}

function rows(items: Item[]): ItemRow[] {
  return items.map((item) => ({ id: String(item.id), json: JSON.stringify(item) }));
}
