/** The lean reference's writer thread (lean-reference.ts): Switchboard's own SQLite writes, one batch per message. */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { commitAll } from '../src/store/group-commit.js';
import { configureConnection } from '../src/store/open-sqlite.js';
import { SqliteWrites, type WriteOp } from '../src/store/sqlite-writes.js';

const db = new BetterSqlite3((workerData as { path: string }).path);
configureConnection(db);
const writes = new SqliteWrites(db);
parentPort!.on('message', (m: WriteOp[] | 'close') => {
  if (m === 'close') {
    db.close();
    parentPort!.close();
    return;
  }
  parentPort!.postMessage(commitAll(db, m.map((op) => () => writes.apply(op))).map((o) => o.ok));
});
