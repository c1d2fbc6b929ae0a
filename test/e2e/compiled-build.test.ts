/**
 * `npm start` runs the compiled build (`dist/`, made by `npm run build`, which `npm ci` and `npm test` run
 * first), not the TypeScript sources through a development loader. The compiled server must keep everything the
 * sources do — in particular its writer thread: the thread's module path was once hard-wired to
 * `writer-thread.ts`, so a compiled build silently committed every write on the main thread.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { writerThreadEntry } from '../../src/store/thread-writer.js';
import { startFakeChatCompletions } from '../fakes/fake-chat-completions.js';
import type { FakeUpstream } from '../fakes/fake-turn.js';

const CLI = join(import.meta.dirname, '../../dist/cli.js');

describe('the compiled build (npm start)', () => {
  let upstream: FakeUpstream;
  let child: ChildProcess;
  let url: string;
  let stderr = '';

  before(async () => {
    assert.ok(existsSync(CLI), `${CLI} is missing: run \`npm run build\` (npm test does it first)`);
    upstream = await startFakeChatCompletions();
    const dir = mkdtempSync(join(tmpdir(), 'sb-compiled-'));
    const config = join(dir, 'switchboard.yaml');
    writeFileSync(config, [
      'database:',
      `  path: ${join(dir, 'switchboard.db')}`,
      '  writer: thread',
      'files:',
      `  dir: ${join(dir, 'files')}`,
      'providers:',
      '  - name: vllm',
      '    kind: openai-chat',
      `    base_url: ${upstream.baseUrl}`,
      '',
    ].join('\n'));
    // Plain node, no loader: exactly what `npm start` runs.
    child = spawn(process.execPath, [CLI, 'serve', '--config', config, '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line within 20 s; stderr:\n${stderr}`)), 20_000);
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const m = /listening on (http:\/\/[^\s"]+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}; stderr:\n${stderr}`)));
    });
  });

  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await upstream?.close();
  });

  it('serves requests and commits them on its writer thread, not the main thread', async () => {
    // The thread loads in the background at start-up; wait for it (bounded) before sending writes.
    let health: any;
    for (let i = 0; i < 100; i++) {
      health = await (await fetch(`${url}/health`)).json();
      if (health.store?.writer?.thread !== 'loading') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(health.store.writer.mode, 'thread');
    assert.equal(health.store.writer.thread, 'ready', `writer thread not ready: ${JSON.stringify(health)}; stderr:\n${stderr}`);
    // Start-up's own writes (freeing idempotency keys a crashed process left) may commit before the thread is up.
    const before = health.store.writer.commits as { main: number; thread: number };

    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const first = await client.responses.create({ model: 'vllm/m', input: 'one' });
    const second = await client.responses.create({ model: 'vllm/m', input: 'two', previous_response_id: first.id });
    const stream = await client.responses.create({ model: 'vllm/m', input: 'three', stream: true });
    for await (const _ of stream) { /* drain */ }
    assert.equal((await client.responses.retrieve(second.id)).status, 'completed');

    health = await (await fetch(`${url}/health`)).json();
    assert.deepEqual(health.store.writer.commits, { main: before.main, thread: before.thread + 3 }, JSON.stringify(health));
    assert.doesNotMatch(stderr, /writer thread/, 'no writer-thread warning on stderr');
  });

  it('locates the thread module beside its own module, in the same form', () => {
    assert.deepEqual(
      { ...writerThreadEntry('file:///app/dist/store/thread-writer.js'), url: writerThreadEntry('file:///app/dist/store/thread-writer.js').url.href },
      { url: 'file:///app/dist/store/writer-thread.js', typescript: false },
    );
    assert.equal(writerThreadEntry('file:///app/src/store/thread-writer.ts').url.href, 'file:///app/src/store/writer-thread.ts');
  });
});
