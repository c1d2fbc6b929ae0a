/**
 * The store writes as few B-trees as it can (migration 0003_lean_writes): thread rows are lazy, the event log
 * lives in the response row. Checked through the running server, with the SQLite file read on the side.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { initialResponse } from '../../src/api/response-object.js';
import { migrations } from '../../src/store/schema.js';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import { readSse, startSwitchboard } from '../helpers/switchboard.js';

const providers = (baseUrl: string) => ({ providers: [{ name: 'p', kind: 'openai-chat', base_url: baseUrl }] });
const newDbPath = () => join(mkdtempSync(join(tmpdir(), 'sb-lean-')), 'sb.db');
const userTexts = (body: any) => body.messages.filter((m: any) => m.role === 'user').map((m: any) => m.content);

test('thread rows: none for a first response, one at its first continuation, a fork for the next; history stays whole', async () => {
  const fake = await startFakeChatCompletions();
  const dbPath = newDbPath();
  let sb = await startSwitchboard(providers(fake.baseUrl), {}, { dbPath });
  const side = new BetterSqlite3(dbPath, { readonly: true });
  const threads = () => (side.prepare('SELECT COUNT(*) AS n FROM threads').get() as { n: number }).n;
  try {
    let client = sb.client();
    const r1 = await client.responses.create({ model: 'p/m', input: 'a' });
    assert.equal(threads(), 0, 'a conversation of one response writes no thread row');

    // Continuing a response whose thread has no row, after a restart (nothing cached): the history query
    // must treat the row-less thread as a root.
    await sb.close();
    sb = await startSwitchboard(providers(fake.baseUrl), {}, { dbPath });
    client = sb.client();
    const r2 = await client.responses.create({ model: 'p/m', input: 'b', previous_response_id: r1.id });
    assert.deepEqual(userTexts(fake.received.at(-1)!.body), ['a', 'b']);
    assert.equal(threads(), 1, 'the first continuation writes the row');

    const r3 = await client.responses.create({ model: 'p/m', input: 'c', previous_response_id: r1.id });
    assert.deepEqual(userTexts(fake.received.at(-1)!.body), ['a', 'c'], 'a fork sees the history up to its parent only');
    assert.equal(threads(), 2, 'continuing r1 again forks');

    await client.responses.create({ model: 'p/m', input: 'd', previous_response_id: r2.id });
    assert.deepEqual(userTexts(fake.received.at(-1)!.body), ['a', 'b', 'd']);
    await client.responses.create({ model: 'p/m', input: 'e', previous_response_id: r3.id });
    assert.deepEqual(userTexts(fake.received.at(-1)!.body), ['a', 'c', 'e']);
  } finally {
    side.close();
    await sb.close();
    await fake.close();
  }
});

test('deleting a one-response conversation deletes its items; deleting a continued response keeps what later turns need', async () => {
  const fake = await startFakeChatCompletions();
  const dbPath = newDbPath();
  const sb = await startSwitchboard(providers(fake.baseUrl), {}, { dbPath });
  const side = new BetterSqlite3(dbPath, { readonly: true });
  const itemsOf = (id: string) => (side.prepare('SELECT COUNT(*) AS n FROM items WHERE response_id = ?').get(id) as { n: number }).n;
  try {
    const client = sb.client();
    const lone = await client.responses.create({ model: 'p/m', input: 'alone' });
    assert.equal(itemsOf(lone.id), 2);
    await client.responses.delete(lone.id);
    assert.equal(itemsOf(lone.id), 0);

    const first = await client.responses.create({ model: 'p/m', input: 'x' });
    const second = await client.responses.create({ model: 'p/m', input: 'y', previous_response_id: first.id });
    await client.responses.delete(first.id);
    assert.equal(itemsOf(first.id), 2, 'the continuation still needs them');
    await client.responses.create({ model: 'p/m', input: 'z', previous_response_id: second.id });
    assert.deepEqual(userTexts(fake.received.at(-1)!.body), ['x', 'y', 'z']);
  } finally {
    side.close();
    await sb.close();
    await fake.close();
  }
});

test('migration 0003 moves existing event logs into the response rows; replay still serves them', async () => {
  const fake = await startFakeChatCompletions();
  const dbPath = newDbPath();
  // A database as the previous release left it: migrations 0001 and 0002 only, one streamed response logged.
  const old = new BetterSqlite3(dbPath);
  const kysely = new Kysely<any>({ dialect: new SqliteDialect({ database: old }) });
  const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0003'));
  const { error } = await new Migrator({ db: kysely, provider: { getMigrations: async () => before } }).migrateToLatest();
  assert.ifError(error);
  // A whole Response, as every release stored it (the replay is checked against the spec like any answer).
  const response = { ...initialResponse('resp_old', 'p/m', { model: 'p/m' }, 1), status: 'completed', completed_at: 1 };
  const events = [
    { type: 'response.created', sequence_number: 0, response: { ...response, status: 'in_progress' } },
    { type: 'response.completed', sequence_number: 1, response },
  ];
  old.prepare(`INSERT INTO responses (id, tenant, status, model, created_at, updated_at, background, request, response)
    VALUES ('resp_old', 'default', 'completed', 'p/m', 1, 1, 0, '{}', ?)`).run(JSON.stringify(response));
  old.prepare('INSERT INTO event_logs (response_id, events) VALUES (?, ?)').run('resp_old', JSON.stringify(events));
  await kysely.destroy();

  const sb = await startSwitchboard(providers(fake.baseUrl), {}, { dbPath });
  try {
    const replay = await readSse(await fetch(`${sb.url}/v1/responses/resp_old?stream=true`));
    assert.deepEqual(replay.map((f) => f.data === '[DONE]' ? '[DONE]' : f.data.type), ['response.created', 'response.completed', '[DONE]']);
    const side = new BetterSqlite3(dbPath, { readonly: true });
    const tables = side.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'event_logs'").all();
    side.close();
    assert.deepEqual(tables, [], 'the old table is gone');
    // A newly streamed response is logged in its own row and replays too.
    const res = await sb.post('/v1/responses', { model: 'p/m', input: 'hi', stream: true });
    const live = await readSse(res);
    const id = live[0].data.response.id;
    const again = await readSse(await fetch(`${sb.url}/v1/responses/${id}?stream=true`));
    assert.deepEqual(again.map((f) => f.event), live.map((f) => f.event));
  } finally {
    await sb.close();
    await fake.close();
  }
});
