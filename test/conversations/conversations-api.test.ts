/**
 * The Conversations API through the `openai` SDK's `client.conversations.*` and `client.conversations.items.*`:
 * create with items and metadata, retrieve, update, list pages both ways, one item, delete an item, delete;
 * the 400s (with `param`) and 404s a client gets for its mistakes, and tenant scoping.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { startSwitchboard, type TestServer } from '../helpers/switchboard.js';

let fake: FakeUpstream;
let sb: TestServer;
let client: OpenAI;

before(async () => {
  fake = await startFakeChatCompletions();
  sb = await startSwitchboard({
    providers: [{ name: 'p', kind: 'openai-chat', base_url: fake.baseUrl }],
    auth: { api_keys: [{ key: 'sk-a', tenant: 'team-a' }, { key: 'sk-b', tenant: 'team-b' }] },
  });
  client = sb.client({ apiKey: 'sk-a' });
});
after(async () => { await sb.close(); await fake.close(); });

const user = (text: string) => ({ type: 'message' as const, role: 'user' as const, content: text });

async function apiError(p: Promise<unknown>): Promise<{ status: number; error: any }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return { status: err.status!, error: err.error };
    throw err;
  }
  assert.fail('expected an API error');
}

describe('conversations', () => {
  test('create with items and metadata, retrieve, update, delete', async () => {
    const conv = await client.conversations.create({ items: [user('hi'), { role: 'assistant', content: 'hello' }], metadata: { topic: 'greetings' } });
    assert.match(conv.id, /^conv_[0-9a-f]{48}$/);
    assert.equal(conv.object, 'conversation');
    assert.deepEqual(conv.metadata, { topic: 'greetings' });
    assert.ok(Math.abs(conv.created_at - Date.now() / 1000) < 60);

    assert.deepEqual(await client.conversations.retrieve(conv.id), conv);
    const updated = await client.conversations.update(conv.id, { metadata: { topic: 'weather', lang: 'en' } });
    assert.deepEqual(updated, { ...conv, metadata: { topic: 'weather', lang: 'en' } });
    assert.deepEqual((await client.conversations.retrieve(conv.id)).metadata, { topic: 'weather', lang: 'en' });

    const items = await client.conversations.items.list(conv.id, { order: 'asc' });
    assert.deepEqual(items.data.map((i: any) => [i.type, i.role, i.content[0].type, i.content[0].text]), [
      ['message', 'user', 'input_text', 'hi'], ['message', 'assistant', 'output_text', 'hello'],
    ]);
    assert.ok(items.data.every((i: any) => /^msg_/.test(i.id)));

    assert.deepEqual(await client.conversations.delete(conv.id), { id: conv.id, object: 'conversation.deleted', deleted: true });
    assert.equal((await apiError(client.conversations.retrieve(conv.id))).status, 404);
    assert.equal((await apiError(client.conversations.items.list(conv.id))).status, 404);
    assert.equal((await apiError(client.conversations.delete(conv.id))).status, 404);
  });

  test('create with no body at all', async () => {
    const conv = await client.conversations.create();
    assert.deepEqual(conv.metadata, {});
    assert.equal((await client.conversations.items.list(conv.id)).data.length, 0);
  });

  test('items: add (with include), list in pages both ways, retrieve one, delete one', async () => {
    const conv = await client.conversations.create({ items: [user('m0')] });
    const added = await client.conversations.items.create(conv.id, {
      items: [user('m1'), user('m2'), { type: 'reasoning', summary: [], encrypted_content: 'opaque-blob' } as any, user('m3')],
      include: ['reasoning.encrypted_content'],
    });
    assert.equal(added.object, 'list');
    assert.equal(added.data.length, 4);
    assert.equal(added.first_id, added.data[0].id);
    assert.equal(added.last_id, added.data[3].id);
    assert.equal(added.has_more, false);
    assert.equal((added.data[2] as any).encrypted_content, 'opaque-blob', 'include shows the encrypted content');

    // Pages of 2, oldest first: the SDK follows last_id / has_more.
    const seen: string[] = [];
    let pages = 0;
    for await (const page of (await client.conversations.items.list(conv.id, { limit: 2, order: 'asc' })).iterPages()) {
      pages++;
      seen.push(...page.data.map((i: any) => i.type === 'message' ? i.content[0].text : i.type));
    }
    assert.deepEqual(seen, ['m0', 'm1', 'm2', 'reasoning', 'm3']);
    assert.equal(pages, 3);

    // Newest first is the default order; without include the reasoning's encrypted content stays hidden.
    const desc = await client.conversations.items.list(conv.id, { limit: 2 });
    assert.deepEqual(desc.data.map((i: any) => i.type === 'message' ? i.content[0].text : i.type), ['m3', 'reasoning']);
    assert.equal(desc.has_more, true);
    assert.equal('encrypted_content' in desc.data[1], false);
    const next = await client.conversations.items.list(conv.id, { limit: 10, after: desc.last_id });
    assert.deepEqual(next.data.map((i: any) => i.content[0].text), ['m2', 'm1', 'm0']);
    assert.equal(next.has_more, false);

    const m1 = added.data[0];
    const one = await client.conversations.items.retrieve(m1.id!, { conversation_id: conv.id });
    assert.deepEqual(one, m1);
    const r = await client.conversations.items.retrieve(added.data[2].id!, { conversation_id: conv.id, include: ['reasoning.encrypted_content'] });
    assert.equal((r as any).encrypted_content, 'opaque-blob');

    const after = await client.conversations.items.delete(m1.id!, { conversation_id: conv.id });
    assert.deepEqual(after, await client.conversations.retrieve(conv.id), 'deleting an item answers the conversation');
    const left = await client.conversations.items.list(conv.id, { order: 'asc' });
    assert.deepEqual(left.data.map((i: any) => i.type === 'message' ? i.content[0].text : i.type), ['m0', 'm2', 'reasoning', 'm3']);
    const gone = await apiError(client.conversations.items.retrieve(m1.id!, { conversation_id: conv.id }));
    assert.equal(gone.status, 404);
    assert.equal(gone.error.param, 'item_id');
    assert.equal((await apiError(client.conversations.items.delete(m1.id!, { conversation_id: conv.id }))).status, 404);
  });

  test('items added later keep their order after a delete (positions are never reused)', async () => {
    const conv = await client.conversations.create({ items: [user('a'), user('b')] });
    const b = (await client.conversations.items.list(conv.id)).data[0];
    await client.conversations.items.delete(b.id!, { conversation_id: conv.id });
    await client.conversations.items.create(conv.id, { items: [user('c')] });
    const all = await client.conversations.items.list(conv.id, { order: 'asc' });
    assert.deepEqual(all.data.map((i: any) => i.content[0].text), ['a', 'c']);
  });

  test('item_reference in added items becomes the stored item', async () => {
    const r = await client.responses.create({ model: 'p/m', input: 'ref me' });
    const conv = await client.conversations.create({ items: [{ type: 'item_reference', id: r.output[0].id } as any] });
    const items = await client.conversations.items.list(conv.id);
    assert.equal((items.data[0] as any).content[0].text, 'echo: ref me');
    const bad = await apiError(client.conversations.create({ items: [{ type: 'item_reference', id: 'msg_nope' } as any] }));
    assert.equal(bad.status, 400);
    assert.equal(bad.error.code, 'item_not_found');
  });
});

describe('client mistakes', () => {
  test('validation: the same item schemas as create, errors with param', async () => {
    let e = await apiError(client.conversations.create({ items: [{ type: 'message', role: 'user' } as any] }));
    assert.equal(e.status, 400);
    assert.equal(e.error.param, 'items[0].content');
    e = await apiError(client.conversations.create({ items: Array.from({ length: 21 }, (_, k) => user(`x${k}`)) }));
    assert.equal(e.status, 400);
    assert.equal(e.error.param, 'items');
    e = await apiError(client.conversations.create({ metadata: { k: 'x'.repeat(513) } }));
    assert.equal(e.error.param, 'metadata.k');
    e = await apiError(client.conversations.create({ nope: 1 } as any));
    assert.equal(e.error.code, 'unknown_parameter');
    assert.equal(e.error.param, 'nope');

    const conv = await client.conversations.create({});
    e = await apiError(client.conversations.items.create(conv.id, { items: [] }));
    assert.equal(e.error.param, 'items');
    e = await apiError(client.conversations.items.create(conv.id, { items: [{ type: 'function_call_output', output: 'x' } as any] }));
    assert.equal(e.error.param, 'items[0].call_id');
    e = await apiError(client.conversations.update(conv.id, {} as any));
    assert.equal(e.error.code, 'missing_required_parameter');
    assert.equal(e.error.param, 'metadata');
    e = await apiError(client.conversations.items.list(conv.id, { limit: 101 }));
    assert.equal(e.error.param, 'limit');
    e = await apiError(client.conversations.items.list(conv.id, { order: 'up' as any }));
    assert.equal(e.error.param, 'order');
    // Nothing was added by the rejected calls.
    assert.equal((await client.conversations.items.list(conv.id)).data.length, 0);
  });

  test('unknown conversation: 404 not_found', async () => {
    const e = await apiError(client.conversations.retrieve('conv_nope'));
    assert.equal(e.status, 404);
    assert.equal(e.error.code, 'not_found');
    assert.equal(e.error.type, 'invalid_request_error');
    assert.equal((await apiError(client.conversations.items.create('conv_nope', { items: [user('x')] }))).status, 404);
    assert.equal((await apiError(client.conversations.update('conv_nope', { metadata: {} }))).status, 404);
  });

  test('tenants never see each other\'s conversations', async () => {
    const other = sb.client({ apiKey: 'sk-b' });
    const conv = await client.conversations.create({ items: [user('secret')] });
    assert.equal((await apiError(other.conversations.retrieve(conv.id))).status, 404);
    assert.equal((await apiError(other.conversations.items.list(conv.id))).status, 404);
    assert.equal((await apiError(other.conversations.update(conv.id, { metadata: { x: 'y' } }))).status, 404);
    assert.equal((await apiError(other.conversations.delete(conv.id))).status, 404);
    assert.equal((await apiError(other.responses.create({ model: 'p/m', input: 'x', conversation: conv.id }))).status, 404);
    assert.equal((await client.conversations.items.list(conv.id)).data.length, 1);
  });
});
