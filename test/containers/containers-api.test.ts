/**
 * The Containers API through the official `openai` SDK, and the code interpreter's service API
 * (forCall / execute) with the real Pyodide, over the real store: a SQLite file with the writer thread in
 * `thread` mode, so file bytes cross to the writer thread as they do in production.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { ApiError } from '../../src/api/errors.js';
import { ContainerService, type ContainerOptions } from '../../src/containers/container-service.js';
import { ContainerStore } from '../../src/containers/container-store.js';
import { FileService } from '../../src/files/file-service.js';
import { FileStore } from '../../src/files/file-store.js';
import { CONTAINER_ROUTES } from '../../src/http/routes-containers.js';
import { FILE_ROUTES } from '../../src/http/routes-files.js';
import { createRouter } from '../../src/http/router.js';
import { sendError } from '../../src/http/send.js';
import { openSqlite } from '../../src/store/open-sqlite.js';
import type { RequestContext } from '../../src/store/request-context.js';
import { ThreadWriter } from '../../src/store/thread-writer.js';
import { PythonSandbox } from '../../src/tools/code-interpreter/sandbox.js';
import { startSwitchboard } from '../helpers/switchboard.js';

interface Rig {
  containers: ContainerService;
  sandbox: PythonSandbox;
  raw: import('better-sqlite3').Database;
  writer: ThreadWriter;
  client(tenant?: string): OpenAI;
  close(): Promise<void>;
}

const route = createRouter<any>([...FILE_ROUTES, ...CONTAINER_ROUTES]);
const ctx = (tenant = 'default'): RequestContext => ({ requestId: 'req_test', tenant, keyId: null });

async function startRig(opts: Partial<ContainerOptions> = {}): Promise<Rig> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-containers-'));
  const dbPath = join(dir, 'db.sqlite');
  const { db, raw } = await openSqlite(dbPath);
  const writer = new ThreadWriter(raw, dbPath, 'thread');
  const files = new FileService(new FileStore(raw, writer), { dir: join(dir, 'files') });
  await files.init();
  const sandbox = new PythonSandbox({ maxLiveInterpreters: 2 });
  const containers = new ContainerService(new ContainerStore(raw, writer), files, sandbox, opts);
  const deps = { files, containers, bodyLimitBytes: 1024 * 1024 };
  const server: Server = createServer(async (req, res) => {
    try {
      const match = route(req.method ?? 'GET', req.url ?? '/');
      if (match.kind === 'method_not_allowed') throw new ApiError(405, 'method not allowed');
      if (match.kind !== 'route') throw new ApiError(404, `Unknown route ${req.url}`);
      const url = new URL(req.url ?? '/', 'http://containers');
      await match.handler(deps, ctx(String(req.headers['x-tenant'] ?? 'default')), match.params, url, req, res);
    } catch (err) {
      sendError(res, err);
    } finally {
      if (req.readableEnded === false) req.resume();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    containers, sandbox, raw, writer,
    client: (tenant = 'default') => new OpenAI({ apiKey: 'sk-test', baseURL: `${url}/v1`, maxRetries: 0, defaultHeaders: { 'x-tenant': tenant } }),
    async close() {
      await containers.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await writer.close();
      await db.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function rejects(p: Promise<unknown>, status: number, param?: string | null, code?: string): Promise<void> {
  const err = await p.then(() => null, (e: unknown) => e);
  assert.ok(err instanceof OpenAI.APIError, `expected an APIError, got ${String(err)}`);
  assert.equal(err.status, status, err.message);
  if (param !== undefined) assert.equal(err.param, param);
  if (code !== undefined) assert.equal(err.code, code);
}

async function apiError(p: Promise<unknown>, status: number, code: string): Promise<void> {
  const err = await p.then(() => null, (e: unknown) => e);
  assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
  assert.equal(err.status, status);
  assert.equal(err.code, code);
}

describe('Containers API and the code interpreter service', () => {
  let rig: Rig;
  let client: OpenAI;
  before(async () => { rig = await startRig(); client = rig.client(); });
  after(async () => { await rig.close(); });

  test('create with file_ids, retrieve, list (name filter, paging), and the copied file', async () => {
    const source = await client.files.create({ file: await toFile(Buffer.from('q,n\na,1\nb,2\n'), 'data.csv'), purpose: 'user_data' });
    const c = await client.containers.create({ name: 'analysis', expires_after: { anchor: 'last_active_at', minutes: 30 }, file_ids: [source.id] });
    assert.match(c.id, /^cntr_[0-9a-f]{48}$/);
    assert.deepEqual({ ...c, created_at: 0, last_active_at: 0 }, {
      id: c.id, object: 'container', created_at: 0, status: 'running', expires_after: { anchor: 'last_active_at', minutes: 30 },
      last_active_at: 0, name: 'analysis', memory_limit: '1g', network_policy: { type: 'disabled' },
    });
    assert.ok(Math.abs(c.created_at - Date.now() / 1000) < 5);
    assert.deepEqual(await client.containers.retrieve(c.id), c);
    const other = await client.containers.create({ name: 'other', memory_limit: '4g' });
    assert.equal(other.expires_after?.minutes, 20, 'the default idle time is OpenAI\'s 20 minutes');
    assert.equal(other.memory_limit, '4g');

    const named = await client.containers.list({ name: 'analysis' });
    assert.deepEqual(named.data.map((x) => x.id), [c.id]);
    const first = await client.containers.list({ limit: 1, order: 'asc' });
    assert.equal(first.data.length, 1);
    assert.equal(first.has_more, true);
    const all = [];
    for await (const x of client.containers.list({ limit: 1, order: 'asc' })) all.push(x.id);
    assert.deepEqual(all, [c.id, other.id], 'the SDK pages with after=last_id');

    const files = await client.containers.files.list(c.id);
    assert.equal(files.data.length, 1);
    const f = files.data[0];
    assert.deepEqual({ ...f, created_at: 0 }, { id: f.id, object: 'container.file', created_at: 0, bytes: 12, container_id: c.id, path: '/mnt/data/data.csv', source: 'user' });
    assert.match(f.id, /^cfile_[0-9a-f]{48}$/);
  });

  test('container files: multipart upload, JSON {file_id}, retrieve, content download, delete', async () => {
    const c = await client.containers.create({ name: 'files' });
    const up = await client.containers.files.create(c.id, { file: await toFile(Buffer.from('hello\n'), 'notes.txt') });
    assert.equal(up.path, '/mnt/data/notes.txt');
    assert.equal(up.source, 'user');
    assert.equal(up.bytes, 6);
    const stored = await client.files.create({ file: await toFile(Buffer.from('{"k":1}'), 'cfg.json'), purpose: 'user_data' });
    const byId = await client.containers.files.create(c.id, { file_id: stored.id });
    assert.equal(byId.path, '/mnt/data/cfg.json');
    assert.deepEqual(await client.containers.files.retrieve(up.id, { container_id: c.id }), up);
    const content = await client.containers.files.content.retrieve(up.id, { container_id: c.id });
    assert.equal(content.headers.get('content-type'), 'text/plain');
    assert.equal(Buffer.from(await content.arrayBuffer()).toString(), 'hello\n');
    const list = await client.containers.files.list(c.id, { order: 'asc' });
    assert.deepEqual(list.data.map((x) => x.id), [up.id, byId.id]);
    await client.containers.files.delete(up.id, { container_id: c.id });
    await rejects(client.containers.files.retrieve(up.id, { container_id: c.id }), 404, 'file_id', 'file_not_found');
    await rejects(client.containers.files.content.retrieve(up.id, { container_id: c.id }), 404);
    await rejects(client.containers.files.create(c.id, { file_id: 'file-nope' }), 400, 'file_id', 'file_not_found');
  });

  test('execute: code reads a container file, its new files are stored as container files and downloadable, PNGs are images', async () => {
    const c = await client.containers.create({ name: 'run' });
    await client.containers.files.create(c.id, { file: await toFile(Buffer.from('3\n4\n5\n'), 'nums.txt') });
    const png = '89504e470d0a1a0a0000000d49484452';
    const r = await rig.containers.execute(ctx(), c.id, [
      'total = sum(int(x) for x in open("/mnt/data/nums.txt"))',
      'open("/mnt/data/total.txt", "w").write(str(total))',
      `open("/mnt/data/chart.png", "wb").write(bytes.fromhex("${png}"))`,
      'total',
    ].join('\n'));
    assert.equal(r.error, null, r.logs);
    assert.equal(r.logs, '12\n');
    assert.deepEqual(r.files.map((f) => [f.path, f.source, f.container_id, f.bytes]).sort(), [
      ['/mnt/data/chart.png', 'assistant', c.id, 16],
      ['/mnt/data/total.txt', 'assistant', c.id, 2],
    ]);
    assert.deepEqual(r.images, [{ mediaType: 'image/png', base64: Buffer.from(png, 'hex').toString('base64') }]);
    const total = r.files.find((f) => f.path.endsWith('total.txt'))!;
    const body = await client.containers.files.content.retrieve(total.id, { container_id: c.id });
    assert.equal(await body.text(), '12');
    assert.equal((await client.containers.files.list(c.id)).data.length, 3);

    // State lasts between calls; an upload between calls reaches the live interpreter; a rewrite keeps the file id.
    await client.containers.files.create(c.id, { file: await toFile(Buffer.from('10\n'), 'more.txt') });
    const r2 = await rig.containers.execute(ctx(), c.id, 'total += int(open("more.txt").read())\nopen("total.txt", "w").write(str(total))\ntotal');
    assert.equal(r2.logs, '22\n');
    assert.deepEqual(r2.files.map((f) => f.id), [total.id]);
    assert.equal(await (await client.containers.files.content.retrieve(total.id, { container_id: c.id })).text(), '22');

    const errored = await rig.containers.execute(ctx(), c.id, 'raise ValueError("bad input")');
    assert.deepEqual(errored.error, { type: 'ValueError', message: 'bad input' });
    assert.match(errored.logs, /ValueError: bad input/);
  });

  test('forCall: auto makes a container or reuses the conversation\'s live one; an unknown or foreign id is a 400', async () => {
    const made = await rig.containers.forCall(ctx(), 'auto');
    assert.equal(made.status, 'running');
    const again = await rig.containers.forCall(ctx(), { type: 'auto' }, made.id);
    assert.equal(again.id, made.id);
    const fresh = await rig.containers.forCall(ctx(), 'auto', 'cntr_gone');
    assert.notEqual(fresh.id, made.id);
    assert.equal((await rig.containers.forCall(ctx(), made.id)).id, made.id);
    await apiError(rig.containers.forCall(ctx(), 'cntr_unknown'), 400, 'container_not_found');
    await apiError(rig.containers.forCall(ctx('team-b'), made.id), 400, 'container_not_found');
    const notShared = await rig.containers.forCall(ctx('team-b'), 'auto', made.id);
    assert.notEqual(notShared.id, made.id, 'another tenant\'s container is never reused');
    await apiError(rig.containers.forCall(ctx(), { type: 'auto', file_ids: ['file-missing'] }), 400, 'file_not_found');
    await apiError(rig.containers.execute(ctx('team-b'), made.id, '1'), 400, 'container_not_found');
  });

  test('tenants see only their own containers and files', async () => {
    const mine = await client.containers.create({ name: 'private' });
    const up = await client.containers.files.create(mine.id, { file: await toFile(Buffer.from('secret'), 's.txt') });
    const theirs = rig.client('team-b');
    await rejects(theirs.containers.retrieve(mine.id), 404, 'container_id', 'container_not_found');
    assert.ok(!(await theirs.containers.list()).data.some((x) => x.id === mine.id));
    await rejects(theirs.containers.files.list(mine.id), 404);
    await rejects(theirs.containers.files.retrieve(up.id, { container_id: mine.id }), 404);
    await rejects(theirs.containers.files.content.retrieve(up.id, { container_id: mine.id }), 404);
    await rejects(theirs.containers.files.create(mine.id, { file: await toFile(Buffer.from('x'), 'x.txt') }), 404);
    await rejects(theirs.containers.delete(mine.id), 404);
    assert.equal((await client.containers.retrieve(mine.id)).id, mine.id);
  });

  test('client mistakes are 400/404 envelopes and store nothing', async () => {
    const before = (await client.containers.list({ limit: 100 })).data.length;
    await rejects(client.containers.create({} as never), 400, 'name', 'missing_required_parameter');
    await rejects(client.containers.create({ name: 'x', expires_after: { anchor: 'created_at', minutes: 5 } } as never), 400, 'expires_after.anchor');
    await rejects(client.containers.create({ name: 'x', expires_after: { anchor: 'last_active_at', minutes: 0 } }), 400, 'expires_after.minutes');
    await rejects(client.containers.create({ name: 'x', memory_limit: '2g' } as never), 400, 'memory_limit');
    await rejects(client.containers.create({ name: 'x', colour: 'red' } as never), 400, 'colour', 'unknown_parameter');
    await rejects(client.containers.create({ name: 'x', network_policy: { type: 'allowlist', allowed_domains: ['a.com'] } }), 400, 'network_policy.type', 'unsupported_parameter');
    await rejects(client.containers.create({ name: 'x', file_ids: ['file-missing'] }), 400, 'file_ids', 'file_not_found');
    assert.equal((await client.containers.list({ limit: 100 })).data.length, before);
    await rejects(client.containers.retrieve('cntr_nope'), 404, 'container_id', 'container_not_found');
    await rejects(client.containers.list({ limit: 0 }), 400, 'limit');
    const c = await client.containers.create({ name: 'y' });
    await rejects(client.containers.files.retrieve('cfile_nope', { container_id: c.id }), 404, 'file_id');
  });

  test('delete removes the container, its files and its interpreter', async () => {
    const c = await client.containers.create({ name: 'doomed' });
    const r = await rig.containers.execute(ctx(), c.id, 'open("/mnt/data/a.txt", "w").write("a")');
    assert.equal(r.files.length, 1);
    assert.ok(rig.sandbox.live().some((x) => x.containerId === c.id));
    await client.containers.delete(c.id);
    assert.ok(!rig.sandbox.live().some((x) => x.containerId === c.id));
    await rejects(client.containers.retrieve(c.id), 404);
    await rejects(client.containers.files.list(c.id), 404);
    assert.equal(rig.raw.prepare('SELECT count(*) FROM container_files WHERE container_id = ?').pluck().get(c.id), 0);
  });

  test('a container deleted while its code runs stores none of the files the code wrote', async () => {
    const c = await client.containers.create({ name: 'gone-mid-run' });
    await rig.containers.execute(ctx(), c.id, 'import time');
    const run = rig.containers.execute(ctx(), c.id, 'import time\ntime.sleep(1.5)\nopen("/mnt/data/late.txt", "w").write("late")');
    await new Promise((r) => setTimeout(r, 300));
    await client.containers.delete(c.id);
    const r = await run;
    assert.equal(r.error?.type, 'InterpreterCrashed', 'deleting stops the interpreter mid-call');
    assert.deepEqual(r.files, []);
    assert.equal(rig.raw.prepare('SELECT count(*) FROM container_files WHERE container_id = ?').pluck().get(c.id), 0);
  });

  test('file bytes were committed on the writer thread too (they cross to it as Uint8Array)', () => {
    assert.ok(rig.writer.status().commits.thread > 0, JSON.stringify(rig.writer.status()));
  });
});

describe('container expiry', () => {
  let rig: Rig;
  // A tiny idle time: 3 s.
  before(async () => { rig = await startRig({ idleMinutes: 0.05, sweepIntervalMs: 3_600_000 }); });
  after(async () => { await rig.close(); });

  test('an idle container expires: status expired, files gone (404), no more code (400), interpreter freed', async () => {
    const client = rig.client();
    const c = await client.containers.create({ name: 'short' });
    const up = await client.containers.files.create(c.id, { file: await toFile(Buffer.from('x'), 'x.txt') });
    const r = await rig.containers.execute(ctx(), c.id, 'print(open("x.txt").read())');
    assert.equal(r.logs, 'x\n');
    assert.ok(rig.sandbox.live().some((x) => x.containerId === c.id));
    // Activity moved last_active_at forward.
    assert.ok((await client.containers.retrieve(c.id)).last_active_at! >= c.last_active_at!);
    await new Promise((r) => setTimeout(r, 3_300));
    const seen = await client.containers.retrieve(c.id);
    assert.equal(seen.status, 'expired');
    assert.equal((await client.containers.list()).data.find((x) => x.id === c.id)?.status, 'expired');
    await rejects(client.containers.files.list(c.id), 404, 'container_id', 'container_expired');
    await rejects(client.containers.files.content.retrieve(up.id, { container_id: c.id }), 404, 'container_id', 'container_expired');
    await rejects(client.containers.files.create(c.id, { file: await toFile(Buffer.from('y'), 'y.txt') }), 400, 'id', 'container_expired');
    await apiError(rig.containers.execute(ctx(), c.id, '1'), 400, 'container_expired');
    await apiError(rig.containers.forCall(ctx(), c.id), 400, 'container_expired');
    const replaced = await rig.containers.forCall(ctx(), 'auto', c.id);
    assert.notEqual(replaced.id, c.id, 'auto does not reuse an expired container');

    await rig.containers.sweep();
    assert.ok(!rig.sandbox.live().some((x) => x.containerId === c.id), 'the sweep stopped its interpreter');
    assert.equal(rig.raw.prepare('SELECT count(*) FROM container_files WHERE container_id = ?').pluck().get(c.id), 0, 'and dropped its files');
    await client.containers.delete(c.id);
  });
});

describe('containers routes in the server', () => {
  test('the openai SDK reaches /v1/containers on a started Switchboard', async () => {
    const sb = await startSwitchboard({});
    try {
      const client = sb.client();
      const c = await client.containers.create({ name: 'wired' });
      assert.equal((await client.containers.retrieve(c.id)).name, 'wired');
      assert.ok((await client.containers.list()).data.some((x) => x.id === c.id));
      await client.containers.delete(c.id);
      await rejects(client.containers.retrieve(c.id), 404);
    } finally {
      await sb.close();
    }
  });
});
