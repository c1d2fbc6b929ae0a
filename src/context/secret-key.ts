/**
 * The server's own key for sealing compaction items (seal.ts). Configured (`server.secret_key` /
 * SWITCHBOARD_SECRET_KEY: 64 hex digits or base64 of 32 bytes), or generated at the first start and kept in
 * `secret.key` next to the database (mode 0600) so items sealed before a restart still open after it. Several
 * processes on one database share the file; a lost file makes earlier compaction items unreadable (400).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../config/load-config.js';

export const SECRET_KEY_FILE = 'secret.key';

export function loadSecretKey(opts: { secretKey?: string; dbPath: string }): Buffer {
  if (opts.secretKey !== undefined) {
    const key = parseKey(opts.secretKey);
    if (!key) throw new ConfigError('server.secret_key: expected 64 hex digits or the base64 of 32 bytes');
    return key;
  }
  // Nothing on disk to keep it next to: this process's items die with it.
  if (opts.dbPath === ':memory:') return randomBytes(32);
  const path = join(dirname(opts.dbPath), SECRET_KEY_FILE);
  mkdirSync(dirname(path), { recursive: true });
  try {
    // `wx`: a second process starting at the same moment reads the first one's key instead of replacing it.
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const key = parseKey(readFileSync(path, 'utf8').trim());
  if (!key) throw new ConfigError(`${path}: not a key (64 hex digits); delete it to make a new one`);
  try { chmodSync(path, 0o600); } catch { /* a read-only volume: leave it as it is */ }
  return key;
}

function parseKey(text: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const b = Buffer.from(text, 'base64');
    return b.length === 32 ? b : null;
  }
  return null;
}
