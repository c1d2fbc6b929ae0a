// ad-hoc (temporary)
import Database from 'better-sqlite3'; import { mkdtempSync } from 'node:fs'; import { tmpdir } from 'node:os'; import { join } from 'node:path';
const db = new Database(join(mkdtempSync(join(tmpdir(), 'sbq-')), 'x.db'));
db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL');
db.exec(`create table items (thread_id text not null, seq integer not null, item_id text not null, response_id text not null, tenant text not null, role text not null, data text not null, constraint items_pk primary key (thread_id, seq));
create index items_by_item_id on items (tenant, item_id); create index items_by_response on items (response_id);`);
const ins = db.prepare('insert into items values (?,?,?,?,?,?,?)');
const data = (i: number) => JSON.stringify({ id: `msg_${'x'.repeat(24)}${i}`, type: 'message', role: i % 2 ? 'assistant' : 'user', status: 'completed', content: [{ type: 'input_text', text: `turn ${i}: please keep this in mind for later` }] });
db.transaction(() => { for (let i = 0; i < 2000; i++) ins.run('thr_main', i, `msg_${Math.random().toString(36).slice(2)}${i}`, `resp_${i >> 1}`, 'default', 'input', data(i)); })();
const t = (label: string, n: number, f: () => void) => { const s = process.hrtime.bigint(); for (let i = 0; i < n; i++) f(); console.log(label.padEnd(50), (Number(process.hrtime.bigint() - s) / 1000 / n).toFixed(0), 'µs'); };
const sel = db.prepare('select data from items where thread_id = ? and seq < ? and tenant = ? order by seq asc');
t('select 2000 rows', 50, () => sel.all('thr_main', 2000, 'default'));
t('select 2000 rows + JSON.parse', 50, () => (sel.all('thr_main', 2000, 'default') as any[]).map((r) => JSON.parse(r.data)));
console.log(db.prepare('explain query plan select data from items where thread_id = ? and seq < ? and tenant = ? order by seq asc').all('a', 1, 'b'));
let f = 0;
const copy = db.prepare(`insert into items (thread_id, seq, item_id, response_id, tenant, role, data) select ? as thread_id, seq, item_id, response_id, tenant, role, data from items where thread_id = ? and seq < ?`);
t('fork copy 2000 rows (autocommit)', 30, () => copy.run(`thr_f${++f}`, 'thr_main', 2000));
