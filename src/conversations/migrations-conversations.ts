/**
 * `0004_conversations`: what the Conversations API needs beyond the `conversations` table of `0001_core`.
 *
 * - `conversations.next_seq`: the next position to hand out, bumped by every append, so positions are never
 *   reused after a delete and an append finds out in the same statement whether the conversation exists.
 * - `conversation_items`: a conversation's items in order, one row each (the item's JSON as stored, with
 *   reasoning `encrypted_content`). A response's items are copied here when it completes, in the same
 *   transaction as its own rows (sqlite-writes.ts); they also stay in the response's thread, where
 *   `input_items` and `previous_response_id` find them, so deleting a conversation item never changes a
 *   stored response.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export interface ConversationItemsTable {
  conversation_id: string;
  seq: number;
  item_id: string;
  tenant: string;
  /** The response whose turn added it; null for items added through the Conversations API. */
  response_id: string | null;
  data: string;
}

export const conversationsMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('conversations').addColumn('next_seq', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.createTable('conversation_items').ifNotExists()
      .addColumn('conversation_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('item_id', 'text', (c) => c.notNull())
      .addColumn('tenant', 'text', (c) => c.notNull())
      .addColumn('response_id', 'text')
      .addColumn('data', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('conversation_items_pk', ['conversation_id', 'seq'])
      .execute();
    await db.schema.createIndex('conversation_items_by_item_id').ifNotExists()
      .on('conversation_items').columns(['conversation_id', 'item_id']).execute();
    await sql`select 1`.execute(db);
  },
};

/** Spread into `migrations` in `store/schema.ts`. */
export const conversationsMigrations: Record<string, Migration> = { '0004_conversations': conversationsMigration };
