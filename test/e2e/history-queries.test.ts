/** previous_response_id history loads in a constant number of queries, however long the chain. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import { startSwitchboard } from '../helpers/switchboard.js';

test('a turn costs the same number of queries after 2 turns as after 40', async () => {
  let queries = 0;
  const fake = await startFakeChatCompletions();
  const sb = await startSwitchboard({ providers: [{ name: 'p', kind: 'openai-chat', base_url: fake.baseUrl }] }, {}, {
    onSql: (sql) => { if (!/^(BEGIN|COMMIT|SAVEPOINT|RELEASE)/i.test(sql.trim())) queries++; },
  });
  try {
    const client = sb.client();
    const costs: Record<number, number> = {};
    let prev: string | undefined;
    for (let turn = 1; turn <= 40; turn++) {
      const before = queries;
      const r = await client.responses.create({ model: 'p/m', input: `t${turn}`, previous_response_id: prev });
      costs[turn] = queries - before;
      prev = r.id;
    }
    assert.equal(fake.received.at(-1)!.body.messages.length, 79);
    assert.equal(costs[40], costs[3], `queries per turn: ${JSON.stringify(costs)}`);
    assert.ok(costs[40] > 0 && costs[40] <= 8, `a turn needs few queries (${costs[40]})`);
  } finally {
    await sb.close();
    await fake.close();
  }
});

test('cold (after a restart, nothing cached): one history query whatever the chain length', async () => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dbPath = join(mkdtempSync(join(tmpdir(), 'sb-chain-')), 'sb.db');
  const fake = await startFakeChatCompletions();
  const providers = { providers: [{ name: 'p', kind: 'openai-chat', base_url: fake.baseUrl }] };
  const ids: Record<number, string> = {};
  let sb = await startSwitchboard(providers, {}, { dbPath });
  let prev: string | undefined;
  for (let turn = 1; turn <= 30; turn++) {
    prev = (await sb.client().responses.create({ model: 'p/m', input: `t${turn}`, previous_response_id: prev })).id;
    ids[turn] = prev;
  }
  await sb.close();
  const reads: string[] = [];
  sb = await startSwitchboard(providers, {}, { dbPath, onSql: (sql) => { if (/^\s*(SELECT|WITH)/i.test(sql)) reads.push(sql); } });
  try {
    // forks from turn 2 and from turn 30 (both cold)
    for (const from of [2, 30]) {
      reads.length = 0;
      await sb.client().responses.create({ model: 'p/m', input: 'x', previous_response_id: ids[from] });
      assert.equal(reads.filter((q) => /FROM items|JOIN items/i.test(q)).length, 1, `one history query from turn ${from}: ${reads.join(' | ')}`);
      assert.equal(fake.received.at(-1)!.body.messages.length, from * 2 + 1);
    }
    // forks of forks: f1 forks the main thread at turn 10, f2 extends f1, f3 forks f1's thread again
    const f1 = (await sb.client().responses.create({ model: 'p/m', input: 'f1', previous_response_id: ids[10] })).id;
    await sb.client().responses.create({ model: 'p/m', input: 'f2', previous_response_id: f1 });
    await sb.close();
    sb = await startSwitchboard(providers, {}, { dbPath, onSql: (sql) => { if (/^\s*(SELECT|WITH)/i.test(sql)) reads.push(sql); } });
    reads.length = 0;
    await sb.client().responses.create({ model: 'p/m', input: 'f3', previous_response_id: f1 });
    assert.equal(reads.filter((q) => /FROM items|JOIN items/i.test(q)).length, 1, 'one history query two forks deep');
    const users = fake.received.at(-1)!.body.messages.filter((m: any) => m.role === 'user').map((m: any) => m.content);
    assert.deepEqual(users, [...Array.from({ length: 10 }, (_, i) => `t${i + 1}`), 'f1', 'f3']);
  } finally {
    await sb.close();
    await fake.close();
  }
});

test('keep-alive comments flow while the upstream is silent', async () => {
  const fake = await startFakeChatCompletions();
  const { buildConfig } = await import('../../src/config/load-config.js');
  const { startServer } = await import('../../src/app.js');
  const config = buildConfig({ providers: [{ name: 'p', kind: 'openai-chat', base_url: fake.baseUrl }] }, {}, { port: 0, dbPath: ':memory:', keepAliveMs: 50 });
  const { silentLogger } = await import('../../src/log/logger.js');
  const sb = await startServer(config, silentLogger());
  try {
    fake.enqueue({ kind: 'reply', text: 'slow', chunkSize: 1, delayMs: 150 });
    const res = await fetch(`${sb.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'p/m', input: 'x', stream: true }) });
    const text = await res.text();
    assert.ok(text.includes(': keep-alive\n\n'), 'keep-alive comment seen');
    assert.ok(text.includes('response.completed'));
  } finally {
    await sb.close();
    await fake.close();
  }
});
