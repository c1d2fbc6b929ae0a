// ad-hoc (temporary)
import { mkdtempSync } from 'node:fs'; import { tmpdir } from 'node:os'; import { join } from 'node:path';
import { openSqlite } from '../src/store/open-sqlite.js';
import { ResponseStore } from '../src/store/response-store.js';
const db = await openSqlite(join(mkdtempSync(join(tmpdir(), 'sbm-')), 'x.db'));
const store = new ResponseStore(db);
const ctx: any = { tenant: 'default', requestId: 'r' };
let k = 0;
const mk = (prev: string | null) => ({ id: `resp_${++k}`, object: 'response', status: 'in_progress', model: 'fake/m', created_at: 1, previous_response_id: prev, output: [], background: false } as any);
const item = (t: string, role: string) => ({ id: `msg_${++k}`, type: 'message', role, status: 'completed', content: [{ type: role === 'user' ? 'input_text' : 'output_text', text: t }] } as any);
async function turn(prev: any) {
  const r = mk(prev?.id ?? null);
  await store.createResponse(ctx, r, { model: 'fake/m', input: 'hi' });
  r.status = 'completed'; r.output = [item('echo: hi', 'assistant')];
  const stored = prev ? await store.getResponse(ctx, prev.id) : null;
  if (stored) await store.loadHistory(ctx, stored);
  await store.finishResponse(ctx, { response: r, inputItems: [item('hi', 'user')], outputItems: r.output, previous: stored, events: [] });
  return r;
}
const time = async (label: string, n: number, f: () => Promise<unknown>) => {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) { const t = process.hrtime.bigint(); await f(); xs.push(Number(process.hrtime.bigint() - t) / 1000); }
  xs.sort((a, b) => a - b);
  console.log(label.padEnd(40), 'p50', xs[Math.floor(n / 2)].toFixed(0), 'µs  p99', xs[Math.floor(n * 0.99)].toFixed(0), 'µs  mean', (xs.reduce((a, b) => a + b) / n).toFixed(0));
};
await time('1-turn create+finish', 2000, () => turn(null));
let tip: any = null;
for (let i = 0; i < 1000; i++) tip = await turn(tip);
const long = tip; const short = await turn(null);
await time('getResponse+loadHistory 1000-turn', 200, async () => { const s = await store.getResponse(ctx, long.id); await store.loadHistory(ctx, s!); });
await time('fork from 1-turn', 100, () => turn(short));
await time('fork from 1000-turn (copy 2000 rows)', 100, () => turn(long));
await time('append at 1000-turn tip', 100, async () => { tip = await turn(tip); });
