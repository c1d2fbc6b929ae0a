/**
 * Restart safety of background responses, with a real server process killed by SIGKILL (no drain, no last
 * write): at the next start on the same database, a response that was still queued runs (nothing had been
 * sent to a model) and one that was running ends `failed` with `server_restarted` instead of staying
 * `in_progress` forever. A response that had completed before the kill is still there, whole.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';
import { specCheckedFetch } from '../helpers/spec-checked-fetch.js';
import { startSwitchboard } from '../helpers/switchboard.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

let fake: FakeUpstream;
before(async () => { fake = await startFakeChatCompletions(); });
after(async () => { await fake.close(); });

interface Served { child: ChildProcess; url: string; exited: Promise<number | null> }

async function serve(config: string, dbPath: string, dir: string): Promise<Served> {
  const env: NodeJS.ProcessEnv = { ...process.env, SWITCHBOARD_FILES_DIR: join(dir, 'files') };
  for (const k of Object.keys(env)) if (/^(OPENAI|ANTHROPIC|GEMINI)_|^SWITCHBOARD_(CONFIG|SHUTDOWN|PORT|HOST|DB|BACKGROUND)/.test(k) && k !== 'SWITCHBOARD_FILES_DIR') delete env[k];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--config', config, '--db', dbPath, '--port', '0'], {
    cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening: ${stderr}`)));
  });
  return { child, url, exited };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('kill -9 mid-run: at restart the queued response runs, the running one fails server_restarted, the finished one is intact', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-restart-'));
  const config = join(dir, 'switchboard.yaml');
  writeFileSync(config, [
    'background:',
    '  workers: 1',
    'providers:',
    `  - { name: vllm, kind: openai-chat, base_url: "${fake.baseUrl}", retry: { max: 0 } }`,
  ].join('\n'));
  const dbPath = join(dir, 'switchboard.db');

  const first = await serve(config, dbPath, dir);
  const client = (url: string) => new OpenAI({ apiKey: 'sk-test', baseURL: `${url}/v1`, maxRetries: 0, fetch: specCheckedFetch });
  const c1 = client(first.url);
  const done = await c1.responses.create({ model: 'vllm/m', input: 'finished before the kill', background: true });
  for (let s = (await c1.responses.retrieve(done.id)).status; s !== 'completed'; s = (await c1.responses.retrieve(done.id)).status) await sleep(20);

  fake.enqueue({ kind: 'reply', text: 'word '.repeat(400), chunkSize: 5, delayMs: 25 }); // ~10 s
  const running = await c1.responses.create({ model: 'vllm/m', input: 'running at the kill', background: true });
  const queued = await c1.responses.create({ model: 'vllm/m', input: 'queued at the kill', background: true });
  for (let s = (await c1.responses.retrieve(running.id)).status; s !== 'in_progress'; s = (await c1.responses.retrieve(running.id)).status) await sleep(20);
  await sleep(200);
  assert.equal((await c1.responses.retrieve(queued.id)).status, 'queued');
  first.child.kill('SIGKILL');
  await first.exited;

  const second = await serve(config, dbPath, dir);
  try {
    const c2 = client(second.url);
    const failed = await c2.responses.retrieve(running.id);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error?.code, 'server_restarted');

    let requeued = await c2.responses.retrieve(queued.id);
    for (const until = Date.now() + 10_000; requeued.status !== 'completed' && Date.now() < until; requeued = await c2.responses.retrieve(queued.id)) await sleep(20);
    assert.equal(requeued.status, 'completed');
    assert.equal(requeued.output_text, 'echo: queued at the kill');
    assert.equal(fake.received.filter((r) => JSON.stringify(r.body).includes('queued at the kill')).length, 1, 'it ran once');
    // Its stream replays from the store, each event once.
    const events: any[] = [];
    for await (const e of await c2.responses.retrieve(queued.id, { stream: true, starting_after: 0 })) events.push(e);
    assert.deepEqual(events.map((e) => e.sequence_number), events.map((_, i) => i + 1));

    const intact = await c2.responses.retrieve(done.id);
    assert.equal(intact.status, 'completed');
    assert.equal(intact.output_text, 'echo: finished before the kill');
  } finally {
    second.child.kill('SIGTERM');
    await second.exited;
  }
});

test('shutdown (drain): the running background response ends server_shutdown, the queued one stays queued and runs at the next start', async () => {
  const dbPath = join(mkdtempSync(join(tmpdir(), 'sb-drain-bg-')), 'switchboard.db');
  const file = { providers: [{ name: 'vllm', kind: 'openai-chat', base_url: fake.baseUrl, retry: { max: 0 } }], background: { workers: 1 } };
  const first = await startSwitchboard(file, {}, { dbPath });
  const c1 = first.client();
  fake.enqueue({ kind: 'reply', text: 'word '.repeat(400), chunkSize: 5, delayMs: 25 });
  const running = await c1.responses.create({ model: 'vllm/m', input: 'running at shutdown', background: true });
  const queued = await c1.responses.create({ model: 'vllm/m', input: 'queued at shutdown', background: true });
  for (let s = (await c1.responses.retrieve(running.id)).status; s !== 'in_progress'; s = (await c1.responses.retrieve(running.id)).status) await sleep(20);
  // A follower of the queued response is let go when the process stops.
  const follower = fetch(`${first.url}/v1/responses/${queued.id}?stream=true`).then((r) => r.text());
  await sleep(100);
  await first.close({ graceMs: 0 });
  assert.match(await follower, /response\.queued[\s\S]*data: \[DONE\]/);

  const second = await startSwitchboard(file, {}, { dbPath });
  try {
    const c2 = second.client();
    const stopped = await c2.responses.retrieve(running.id);
    assert.equal(stopped.status, 'failed');
    assert.equal(stopped.error?.code, 'server_shutdown');
    assert.ok(stopped.output.length > 0, 'stored with its output so far');
    let r = await c2.responses.retrieve(queued.id);
    for (const until = Date.now() + 10_000; r.status !== 'completed' && Date.now() < until; r = await c2.responses.retrieve(queued.id)) await sleep(20);
    assert.equal(r.output_text, 'echo: queued at shutdown');
  } finally {
    await second.close();
  }
});
