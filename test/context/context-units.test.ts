/** The pieces of context management on their own: drop units, the window table, the seal, the key file, the bound. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { encode } from 'gpt-tokenizer';
import type { Item } from '../../src/api/items.js';
import { droppableUnits } from '../../src/context/drop-oldest.js';
import { contextWindowFor } from '../../src/context/context-windows.js';
import { seal, unseal } from '../../src/context/seal.js';
import { loadSecretKey } from '../../src/context/secret-key.js';
import { inputTokenBound } from '../../src/context/input-bound.js';
import { ConfigError, buildConfig } from '../../src/config/load-config.js';
import type { ProviderConfig } from '../../src/config/types.js';

const msg = (role: string, text = role): Item => ({ type: 'message', role: role as 'user', content: [{ type: 'input_text', text }] });
const call = (id: string): Item => ({ type: 'function_call', call_id: id, name: 'f', arguments: '{}' });
const out = (id: string): Item => ({ type: 'function_call_output', call_id: id, output: 'ok' });
const reasoning: Item = { type: 'reasoning', summary: [] };

test('drop units: a reasoning item, its call and the output go together; parallel calls with all their outputs', () => {
  const items = [
    msg('system'), msg('user', 'u1'), reasoning, call('a'), out('a'), msg('assistant'),
    call('b'), call('c'), out('b'), out('c'), msg('developer'), msg('user', 'last'), call('d'), out('d'),
  ];
  assert.deepEqual(droppableUnits(items).map((u) => u.indices), [[1], [2, 3, 4], [5], [6, 7, 8, 9]]);
});

test('drop units: a call whose output is in the last turn is kept, and nothing after it is dropped', () => {
  const items = [msg('user', 'u1'), call('a'), msg('assistant'), msg('user', 'last'), out('a')];
  assert.deepEqual(droppableUnits(items).map((u) => u.indices), [[0]]);
});

test('context windows: configured, then built-in, then the provider default, then the global one', () => {
  const p = { contextWindows: { 'my-model': 1234, 'gpt-4o': 99 } } as unknown as ProviderConfig;
  assert.equal(contextWindowFor(p, 'my-model', 7), 1234);
  assert.equal(contextWindowFor(p, 'gpt-4o', 7), 99, 'configured wins over the table');
  assert.equal(contextWindowFor(p, 'gpt-4.1-mini', 7), 1_047_576);
  assert.equal(contextWindowFor(p, 'claude-sonnet-4-5', 7), 200_000);
  assert.equal(contextWindowFor(p, 'meta-llama/Llama-3.1-8B-Instruct', 7), 131_072);
  assert.equal(contextWindowFor(p, 'llama3:8b', 7), 8_192);
  assert.equal(contextWindowFor(p, 'o1-mini', 7), 128_000);
  assert.equal(contextWindowFor(p, 'o3', 7), 200_000);
  assert.equal(contextWindowFor(p, 'unknown', 7), 7);
  assert.equal(contextWindowFor({ ...p, defaultContextWindow: 42 }, 'unknown', 7), 42);
});

test('seal: opens for its key and tenant only; any altered byte fails', () => {
  const key = randomBytes(32);
  const s = seal(key, 't1', { summary: 'secret summary', replaces: ['msg_1'] });
  assert.ok(!s.includes('secret'));
  assert.deepEqual(unseal(key, 't1', s), { summary: 'secret summary', replaces: ['msg_1'] });
  assert.equal(unseal(key, 't2', s), null, 'another tenant');
  assert.equal(unseal(randomBytes(32), 't1', s), null, 'another key');
  const raw = Buffer.from(s.slice(5), 'base64url');
  for (const at of [0, 13, raw.length - 1]) {
    const bad = Buffer.from(raw);
    bad[at] ^= 1;
    assert.equal(unseal(key, 't1', `sbc1.${bad.toString('base64url')}`), null, `byte ${at}`);
  }
});

test('secret key: generated once next to the database with mode 0600, then reused; a configured one wins', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-key-'));
  const dbPath = join(dir, 'data', 'switchboard.db');
  const k1 = loadSecretKey({ dbPath });
  const file = join(dir, 'data', 'secret.key');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(readFileSync(file, 'utf8').trim(), k1.toString('hex'));
  assert.deepEqual(loadSecretKey({ dbPath }), k1);
  const hex = 'ab'.repeat(32);
  assert.equal(loadSecretKey({ dbPath, secretKey: hex }).toString('hex'), hex);
  assert.equal(loadSecretKey({ dbPath, secretKey: Buffer.alloc(32, 7).toString('base64') }).toString('hex'), '07'.repeat(32));
  assert.throws(() => loadSecretKey({ dbPath, secretKey: 'too short' }), ConfigError);
});

test('config: context windows per provider, defaults, and the secret key from the environment', () => {
  const c = buildConfig({
    server: { default_context_window: 32_000 },
    providers: [{ name: 'local', kind: 'openai-chat', base_url: 'http://127.0.0.1:1/v1', context_windows: { m: 8192 }, default_context_window: 4096 }],
  }, { SWITCHBOARD_SECRET_KEY: 'cd'.repeat(32) });
  assert.equal(c.defaultContextWindow, 32_000);
  assert.deepEqual(c.providers[0].contextWindows, { m: 8192 });
  assert.equal(c.providers[0].defaultContextWindow, 4096);
  assert.equal(c.secretKey, 'cd'.repeat(32));
  assert.throws(() => buildConfig({ providers: [{ name: 'x', kind: 'openai-chat', base_url: 'http://127.0.0.1:1/v1', context_windows: { m: 'big' } }] }, {}), ConfigError);
});

test('the cheap bound is above the o200k count, for ASCII, CJK and emoji text', () => {
  for (const text of ['hello world '.repeat(200), '日本語のテキスト'.repeat(100), '🙂🚀 ok '.repeat(100), 'aaaa'.repeat(500)]) {
    const items = [msg('user', text), msg('assistant', text)];
    assert.ok(inputTokenBound('be brief', items, null) >= encode(JSON.stringify(items)).length);
  }
});

test('the bound of a growing history is the same whether or not its shared prefix was sized before', () => {
  const history: Item[] = Array.from({ length: 20 }, (_, i) => msg(i % 2 ? 'assistant' : 'user', `turn ${i} ${'x'.repeat(i * 10)}`));
  const fresh = (items: Item[]) => inputTokenBound(null, items.map((i) => ({ ...i })), null); // new objects: no memo hit
  const first = inputTokenBound(null, history, null);
  assert.equal(first, fresh(history));
  const next = [...history, msg('user', 'and more')];
  assert.equal(inputTokenBound(null, next, null), fresh(next));
  const fork = [...history.slice(0, 10), msg('user', 'a different branch, longer than the one it replaces')];
  assert.equal(inputTokenBound(null, fork, null), fresh(fork));
});
