/**
 * ThreadWriter: store writes on a worker thread with its own connection to the same SQLite file — a single
 * write alone commits on the main thread (`auto`), batches go to the thread; failures stay per write; the
 * main connection reads every commit once its promise has resolved; a dead thread hands over to the main one.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { newId } from '../../src/api/ids.js';
import { openSqlite } from '../../src/store/open-sqlite.js';
import type { FinishOp, FinishResult } from '../../src/store/sqlite-writes.js';
import { ThreadWriter, type WriterMode } from '../../src/store/thread-writer.js';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import { readSse, startSwitchboard } from '../helpers/switchboard.js';

const closers: (() => Promise<unknown>)[] = [];
after(async () => { for (const c of closers.reverse()) await c(); });

/** A writer on a fresh database file; its thread is ready unless `workerPath` points it elsewhere. */
async function open(mode: WriterMode, workerPath?: string) {
  const path = join(mkdtempSync(join(tmpdir(), 'sb-writer-')), 'db.sqlite');
  const { db, raw } = await openSqlite(path);
  const stops: string[] = [];
  const writer = new ThreadWriter(raw, workerPath ?? path, mode, (why) => stops.push(why));
  closers.push(async () => { await writer.close(); await db.destroy(); });
  if (!workerPath) await threadReady(writer);
  return { raw, writer, stops };
}

function finish(id = newId('resp'), eventLog: string | null = null): FinishOp {
  return {
    op: 'finish', tenant: 'default',
    response: { id, status: 'completed', model: 'p/m', created_at: 1, previous_response_id: null, background: false },
    items: [{ role: 'input', id: newId('msg'), json: '{"type":"message"}' }, { role: 'output', id: newId('msg'), json: '{"type":"message"}' }],
    inputCount: 1, responseJson: '{}', requestJson: '{}', eventLog, previous: null,
  };
}

const rowCount = (raw: BetterSqlite3.Database, ids: string[]) =>
  ids.filter((id) => raw.prepare('SELECT 1 FROM responses WHERE id = ?').get(id)).length;

/** Resolves once the thread has opened its connection (its `ready` message). */
async function threadReady(writer: ThreadWriter) {
  for (let i = 0; i < 200 && !(writer as unknown as { ready: boolean }).ready; i++) await new Promise((r) => setTimeout(r, 10));
}

describe('ThreadWriter', () => {
  test('auto: a write alone commits on the main thread; a batch of more than one goes to the thread', async () => {
    const { raw, writer } = await open('auto');
    const one = finish();
    const r = await writer.run(one);
    assert.equal(r.start, 0);
    assert.deepEqual(writer.stats, { inline: 1, threaded: 0 });
    assert.equal(rowCount(raw, [one.response.id]), 1);

    const ops = Array.from({ length: 12 }, () => finish());
    const results = await Promise.all(ops.map((op) => writer.run(op)));
    assert.deepEqual(writer.stats, { inline: 1, threaded: 12 });
    assert.ok(results.every((x: FinishResult) => x.start === 0 && x.threadId.startsWith('thr_')));
    // Committed by the other connection, read here as soon as the promises resolved.
    assert.equal(rowCount(raw, ops.map((o) => o.response.id)), 12);

    const alone = finish();
    await writer.run(alone);
    assert.deepEqual(writer.stats, { inline: 2, threaded: 12 });
    assert.equal(raw.prepare('SELECT count(*) FROM items').pluck().get(), 28);
  });

  test('thread: a failing write fails alone; a finish and a delete queued together apply in order', async () => {
    const { raw, writer } = await open('thread');
    const first = finish();
    await writer.run(first);
    assert.deepEqual(writer.stats, { inline: 0, threaded: 1 });
    const ok = finish();
    const results = await Promise.allSettled([writer.run(finish(first.response.id)), writer.run(ok), writer.run({ op: 'delete', tenant: 'default', id: ok.response.id })]);
    assert.equal(results[0].status, 'rejected');
    assert.match(String((results[0] as PromiseRejectedResult).reason), /UNIQUE/);
    assert.equal(results[1].status, 'fulfilled');
    assert.deepEqual((results[2] as PromiseFulfilledResult<unknown>).value, { deleted: true, droppedThread: (results[1] as PromiseFulfilledResult<FinishResult>).value.threadId });
    assert.equal(rowCount(raw, [first.response.id, ok.response.id]), 1);
  });

  test('close() waits for every queued write', async () => {
    const { raw, writer } = await open('thread');
    const ops = Array.from({ length: 10 }, () => finish());
    const pending = ops.map((op) => writer.run(op));
    await writer.close();
    await Promise.all(pending);
    assert.equal(rowCount(raw, ops.map((o) => o.response.id)), 10);
  });

  test('before the thread is ready, and when it cannot open the database, writes commit on the main thread', async () => {
    const { raw, writer, stops } = await open('thread', join(tmpdir(), 'no-such-dir-for-switchboard', 'x', 'db.sqlite'));
    const ops = Array.from({ length: 3 }, () => finish());
    await Promise.all(ops.map((op) => writer.run(op)));
    assert.equal(rowCount(raw, ops.map((o) => o.response.id)), 3);
    for (let i = 0; i < 200 && !stops.length; i++) await new Promise((r) => setTimeout(r, 10));
    await writer.run(finish());
    assert.equal(stops.length, 1);
    assert.match(stops[0], /writer thread/);
    assert.equal(writer.stats.threaded, 0);
  });

  test('a thread that dies with a batch in flight: that batch fails as unknown, later writes commit on the main thread', async () => {
    const { raw, writer, stops } = await open('thread');
    const ops = Array.from({ length: 4 }, () => finish());
    const pending = ops.map((op) => writer.run(op).then(() => 'stored', (e: Error) => e.message));
    // The thread dies of a message it cannot handle, queued before the batch (which is posted on the next
    // turn): the batch is in flight when it dies, deterministically. (Worker.terminate() was used before; it
    // can hang for good while the thread is inside a SQLite call, and node:test then cancelled the file.)
    (writer as unknown as { worker: { postMessage(m: unknown): void } }).worker.postMessage({ not: 'a batch' });
    const outcomes = await Promise.all(pending);
    assert.ok(outcomes.every((o) => /writer thread (failed|exited).*the outcome of this write is unknown/.test(o)), outcomes.join(' | '));
    assert.equal(stops.length, 1);
    assert.equal(rowCount(raw, ops.map((o) => o.response.id)), 0, 'the batch was not committed anywhere');
    const later = finish();
    await writer.run(later);
    assert.equal(rowCount(raw, [later.response.id]), 1);
    assert.equal(writer.stats.threaded, 0, 'the batch never committed on the thread');
  });
});

describe('Switchboard on the writer thread', () => {
  test('concurrent streams are stored, replay, chain and delete (writer: thread, then auto)', async () => {
    const fake = await startFakeChatCompletions();
    closers.push(() => fake.close());
    for (const writer of ['thread', 'auto'] as const) {
      const sb = await startSwitchboard({ database: { writer }, providers: [{ name: 'p', kind: 'openai-chat', base_url: fake.baseUrl }] });
      closers.push(() => sb.close());
      const streams = await Promise.all(Array.from({ length: 16 }, (_, i) => sb.post('/v1/responses', { model: 'p/m', input: `n${i}`, stream: true }).then(readSse)));
      const ids = streams.map((s) => s[0].data.response.id as string);
      assert.ok(streams.every((s) => s.at(-2)!.data.type === 'response.completed'));
      const client = sb.client();
      for (const [i, id] of ids.entries()) {
        const replay = await readSse(await fetch(`${sb.url}/v1/responses/${id}?stream=true`));
        assert.deepEqual(replay.map((f) => f.data), streams[i].map((f) => f.data));
      }
      const next = await client.responses.create({ model: 'p/m', input: 'and then?', previous_response_id: ids[3] });
      const sent = fake.received.at(-1)!.body.messages.map((m: { content: string }) => m.content);
      assert.deepEqual(sent, ['n3', 'echo: n3', 'and then?']);
      assert.equal((await client.responses.delete(next.id) as unknown as { deleted: boolean }).deleted, true);
      await assert.rejects(client.responses.retrieve(next.id), /404/);
    }
  });
});
