/**
 * SIGTERM drains a real server process (`node --import tsx src/cli.ts serve`): new connections are refused,
 * running streams finish within `server.shutdown_grace_seconds`, the rest end with `response.failed`
 * (`server_shutdown`) and `[DONE]`, every one of them stored, and only then does the process exit (code 0).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

let fake: FakeUpstream;
before(async () => { fake = await startFakeChatCompletions(); });
after(async () => { await fake.close(); });

interface Served { child: ChildProcess; url: string; dbPath: string; exited: Promise<number | null>; stderr: () => string }

async function serve(graceSeconds: number): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-drain-'));
  const config = join(dir, 'switchboard.yaml');
  writeFileSync(config, [
    'server:',
    `  shutdown_grace_seconds: ${graceSeconds}`,
    'providers:',
    `  - { name: vllm, kind: openai-chat, base_url: "${fake.baseUrl}", retry: { max: 0 } }`,
  ].join('\n'));
  const dbPath = join(dir, 'switchboard.db');
  const env: NodeJS.ProcessEnv = { ...process.env, SWITCHBOARD_FILES_DIR: join(dir, 'files') };
  for (const k of Object.keys(env)) if (/^(OPENAI|ANTHROPIC|GEMINI)_|^SWITCHBOARD_(CONFIG|SHUTDOWN|PORT|HOST|DB)/.test(k) && k !== 'SWITCHBOARD_FILES_DIR') delete env[k];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--config', config, '--db', dbPath, '--port', '0'], {
    cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => { stderr += `[exit ${code} ${signal}]`; resolve(code); }));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening: ${stderr}`)));
  });
  return { child, url, dbPath, exited, stderr: () => stderr };
}

/** A streamed request read as it arrives: the frames so far, and a promise of the whole stream. */
function openStream(url: string, input: string) {
  const frames: { event: string | null; data: any }[] = [];
  let firstDelta!: () => void;
  const gotDelta = new Promise<void>((r) => { firstDelta = r; });
  const done = (async () => {
    const res = await fetch(`${url}/v1/responses`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'vllm/m', input, stream: true }),
    });
    assert.equal(res.status, 200);
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        if (block.startsWith(':')) continue;
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? null;
        const data = /^data: (.*)$/m.exec(block)![1];
        frames.push({ event, data: data === '[DONE]' ? '[DONE]' : JSON.parse(data) });
        if (event === 'response.output_text.delta') firstDelta();
      }
    }
    return frames;
  })();
  return { frames, gotDelta, done };
}

function deltas(frames: { event: string | null; data: any }[]): string {
  return frames.filter((f) => f.event === 'response.output_text.delta').map((f) => f.data.delta).join('');
}

describe('SIGTERM drains running responses', () => {
  test('10 streams past the grace period: each ends response.failed (server_shutdown) + [DONE], all 10 stored, exit 0', async () => {
    const s = await serve(1);
    // Each answer would take ~6 s (300 chunks, 20 ms apart); the grace period is 1 s.
    for (let i = 0; i < 10; i++) fake.enqueue({ kind: 'reply', text: 'word '.repeat(300), chunkSize: 5, delayMs: 20 });
    const streams = Array.from({ length: 10 }, (_, i) => openStream(s.url, `stream ${i}`));
    await Promise.all(streams.map((st) => st.gotDelta));

    const signalled = Date.now();
    s.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    await assert.rejects(fetch(`${s.url}/health`), 'a new connection during the drain is refused');

    const results = await Promise.all(streams.map((st) => st.done));
    const code = await s.exited;
    const took = Date.now() - signalled;
    assert.equal(code, 0, s.stderr());
    assert.ok(took >= 900, `the grace period was given (${took} ms)`);
    assert.ok(took < 5000, `…and not much more (${took} ms)`);

    const db = new Database(s.dbPath, { readonly: true });
    try {
      for (const frames of results) {
        assert.equal(frames[frames.length - 1].data, '[DONE]');
        const terminal = frames[frames.length - 2];
        assert.equal(terminal.event, 'response.failed');
        assert.equal(terminal.data.response.error.code, 'server_shutdown');
        const id = frames[0].data.response.id;
        const got = deltas(frames);
        assert.ok(got.length > 0 && got.length < 'word '.repeat(300).length, 'cut mid-answer');

        const row = db.prepare('SELECT status, response FROM responses WHERE id = ?').get(id) as { status: string; response: string } | undefined;
        assert.ok(row, `${id} is stored`);
        assert.equal(row.status, 'failed');
        assert.equal(JSON.parse(row.response).error.code, 'server_shutdown');
        // The output so far is kept, as the client saw it.
        const items = db.prepare("SELECT data FROM items WHERE response_id = ? AND role = 'output'").pluck().all(id) as string[];
        assert.equal(items.length, 1);
        assert.equal(JSON.parse(items[0]).content[0].text, got);
      }
    } finally {
      db.close();
    }
  });

  test('a stream that ends within the grace period completes and is stored completed; then the process exits', async () => {
    const s = await serve(20);
    fake.enqueue({ kind: 'reply', text: 'word '.repeat(60), chunkSize: 5, delayMs: 20 });
    const st = openStream(s.url, 'finish me');
    await st.gotDelta;
    s.child.kill('SIGTERM');
    const frames = await st.done;
    const code = await s.exited;
    assert.equal(code, 0, s.stderr());
    assert.equal(frames[frames.length - 1].data, '[DONE]');
    assert.equal(frames[frames.length - 2].event, 'response.completed');
    assert.equal(deltas(frames), 'word '.repeat(60));
    const db = new Database(s.dbPath, { readonly: true });
    try {
      const row = db.prepare('SELECT status FROM responses WHERE id = ?').get(frames[0].data.response.id) as { status: string };
      assert.equal(row.status, 'completed');
    } finally {
      db.close();
    }
  });

  test('with nothing running the process exits at once', async () => {
    const s = await serve(20);
    const signalled = Date.now();
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0, s.stderr());
    assert.ok(Date.now() - signalled < 3000);
  });
});
