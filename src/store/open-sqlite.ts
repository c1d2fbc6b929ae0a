/** The embedded default: SQLite through better-sqlite3, WAL mode, statements prepared once and reused. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrations, type Database } from './schema.js';

/** `onSql` sees every statement executed (tests count queries with it). */
export async function openSqlite(
  path: string,
  onSql?: (sql: string) => void,
): Promise<{ db: Kysely<Database>; raw: BetterSqlite3.Database }> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const raw = new BetterSqlite3(path, onSql ? { verbose: (message) => onSql(String(message)) } : {});
  configureConnection(raw);

  // Kysely prepares every query anew; caching statements by SQL text saves the parse on the hot path.
  const cache = new Map<string, BetterSqlite3.Statement>();
  const database = {
    close: () => raw.close(),
    prepare: (sqlText: string) => {
      let stmt = cache.get(sqlText);
      if (!stmt) {
        stmt = raw.prepare(sqlText);
        if (cache.size > 500) cache.clear();
        cache.set(sqlText, stmt);
      }
      return stmt;
    },
  };
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  await migrate(db);
  return { db, raw };
}

export async function migrate(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
}

/** Settings every connection to the store gets. */
export function configureConnection(raw: BetterSqlite3.Database): void {
  // 8 KiB pages for a new database (an existing one keeps its size): a batch of stored responses fills fewer
  // pages, so a commit writes fewer WAL frames — measured fewer write syscalls per response than with 4 KiB
  // (more than 8 KiB wrote more bytes for no fewer frames). See bench/README.md.
  raw.pragma('page_size = 8192');
  raw.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a commit survives a process crash; only an OS crash / power loss can lose the last ones.
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('cache_size = -65536'); // 64 MiB page cache
  raw.pragma('temp_store = MEMORY');
}
