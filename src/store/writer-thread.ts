/**
 * The writer thread's side of ThreadWriter (thread-writer.ts): its own connection to the store's SQLite file,
 * applying each batch of writes it is sent (plain data, sqlite-writes.ts) as one group commit.
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { commitAll } from './group-commit.js';
import { configureConnection } from './open-sqlite.js';
import { SqliteWrites, type WriteOp } from './sqlite-writes.js';

/** What the thread answers: `ready` once its connection is open, then one reply per batch, in order. */
export type ThreadReply = { ready: true } | { results: ({ ok: true; value: unknown } | { ok: false; message: string })[] };

const port = parentPort!;
const db = new BetterSqlite3((workerData as { path: string }).path);
configureConnection(db);
const writes = new SqliteWrites(db);
port.postMessage({ ready: true } satisfies ThreadReply);

port.on('message', (m: WriteOp[] | 'close') => {
  if (m === 'close') {
    db.close();
    port.close();
    return;
  }
  const results = commitAll(db, m.map((op) => () => writes.apply(op)))
    .map((o) => (o.ok ? o : { ok: false as const, message: o.error instanceof Error ? o.error.message : String(o.error) }));
  port.postMessage({ results } satisfies ThreadReply);
});
