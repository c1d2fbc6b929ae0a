/**
 * The Python sandbox with the real Pyodide: one PythonSandbox for the file, two containers ('a', 'b'), and a
 * fresh interpreter only where a test kills one (each start loads Pyodide, ~2 s).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { PythonSandbox, imageTypeOf } from '../../src/tools/code-interpreter/sandbox.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('code interpreter sandbox (Pyodide in a child process)', () => {
  let sb: PythonSandbox;
  let listener: Server;
  let port = 0;
  let connections = 0;

  before(async () => {
    sb = new PythonSandbox({ maxOutputBytes: 1000, timeoutMs: 20_000 });
    listener = createServer((s) => { connections++; s.destroy(); });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    port = (listener.address() as AddressInfo).port;
  });
  after(async () => {
    await sb.close();
    await new Promise<void>((r) => listener.close(() => r()));
  });

  test('print goes to logs, the last expression is shown, state lasts within a container and not across', async () => {
    const first = await sb.run('a', 'x = 41\nprint("hello")\nx + 1');
    assert.equal(first.error, null);
    assert.equal(first.timedOut, false);
    assert.equal(first.logs, 'hello\n42\n');
    const again = await sb.run('a', 'x * 2');
    assert.equal(again.logs, '82\n');
    const other = await sb.run('b', 'print(x)');
    assert.equal(other.error?.type, 'NameError');
    assert.match(other.logs, /NameError: name 'x' is not defined/);
  });

  test('an exception is a result with the traceback in logs, not a rejection', async () => {
    const r = await sb.run('a', 'def f():\n    return 1 / 0\nprint("before")\nf()');
    assert.deepEqual(r.error, { type: 'ZeroDivisionError', message: 'division by zero' });
    assert.match(r.logs, /^before\nTraceback \(most recent call last\):\n  File "<code>", line 4, in <module>\n/);
    assert.match(r.logs, /line 2, in f/);
    assert.doesNotMatch(r.logs, /_pyodide|_base\.py/, 'the runner\'s own frames are not shown');
    const syntax = await sb.run('a', 'def (:');
    assert.equal(syntax.error?.type, 'SyntaxError');
    assert.equal((await sb.run('a', 'x')).logs, '41\n', 'the namespace survives an exception');
  });

  test('output past the limit is truncated with a note', async () => {
    const r = await sb.run('a', 'print("y" * 5000)\nprint("z" * 5000)');
    assert.ok(r.logs.startsWith('y'.repeat(1000)));
    assert.ok(r.logs.length < 1300, `logs are ${r.logs.length} chars`);
    assert.match(r.logs, /\[output truncated: 9002 more bytes were not kept \(limit 1000 bytes\)\]/);
  });

  test('no network: every way out fails and nothing reaches a loopback listener', async () => {
    const url = `http://127.0.0.1:${port}/`;
    const escapes: Record<string, string> = {
      socket: `import socket\ns = socket.socket()\ns.settimeout(3)\ns.connect(("127.0.0.1", ${port}))\ns.sendall(b"x")`,
      urllib: `import urllib.request\nurllib.request.urlopen("${url}", timeout=3).read()`,
      'js.fetch': `import js\nawait js.fetch("${url}")`,
      pyfetch: `from pyodide.http import pyfetch\nawait pyfetch("${url}")`,
      open_url: `from pyodide.http import open_url\nopen_url("${url}")`,
      'run_js(process)': `from pyodide.code import run_js\nrun_js("process.binding('tcp_wrap')")`,
      'run_js(import)': `from pyodide.code import run_js\nawait run_js("import('node:net')")`,
      'Function constructor': `import js\njs.Object.constructor("return process")()`,
      'pyodide_js.loadPackage': `import pyodide_js\nawait pyodide_js.loadPackage("${url}x-1.0-py3-none-any.whl")`,
      'pyodide_js._api': `import pyodide_js\nawait pyodide_js._api.loadBinaryFile("${url}x.whl")`,
      'import numpy (CDN auto-load)': 'import numpy',
    };
    for (const [name, code] of Object.entries(escapes)) {
      const r = await sb.run('a', code);
      assert.ok(r.error, `${name}: expected an error, got logs ${JSON.stringify(r.logs)}`);
      assert.equal(r.timedOut, false, name);
    }
    const globals = await sb.run('a', 'import js\nprint([hasattr(js, n) and getattr(js, n) is not None for n in ("process", "require", "fetch", "XMLHttpRequest", "WebSocket", "Buffer")])');
    assert.equal(globals.logs, '[False, False, False, False, False, False]\n');
    assert.equal(connections, 0);
  });

  test('the host file system is out of reach (Node\'s permission model behind Pyodide\'s NODEFS)', async () => {
    const r = await sb.run('a', [
      'import pyodide_js',
      'FS = pyodide_js.FS',
      'FS.mkdir("/host")',
      'FS.mount(pyodide_js._module.NODEFS, {"root": "/etc"}, "/host")',
      'print(open("/host/hostname").read())',
    ].join('\n'));
    assert.ok(r.error, `expected an error, got ${r.logs}`);
  });

  test('files: given files are readable under /mnt/data; files the code writes come back, PNGs also as images', async () => {
    const input = Buffer.from('a,b\n1,2\n');
    const files = [{ path: '/mnt/data/in.csv', sha256: sha(input), bytes: () => input }];
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const r = await sb.run('b', [
      'import csv, os',
      'rows = list(csv.reader(open("in.csv")))',
      'open("/mnt/data/out.txt", "w").write(str(len(rows)))',
      'os.makedirs("/mnt/data/sub", exist_ok=True)',
      `open("/mnt/data/sub/dot.png", "wb").write(bytes.fromhex("${png.toString('hex')}"))`,
      'print(os.getcwd(), rows[1])',
    ].join('\n'), { files });
    assert.equal(r.error, null, r.logs);
    assert.equal(r.logs, "/mnt/data ['1', '2']\n");
    const byPath = new Map(r.files.map((f) => [f.path, f.bytes.toString('hex')]));
    assert.deepEqual([...byPath.keys()].sort(), ['/mnt/data/out.txt', '/mnt/data/sub/dot.png'], 'the given file is not returned unchanged');
    assert.equal(byPath.get('/mnt/data/out.txt'), Buffer.from('2').toString('hex'));
    assert.deepEqual(r.images, [{ mediaType: 'image/png', base64: png.toString('base64') }]);
    // Unchanged files are not returned again; a changed one is; a file no longer listed is removed.
    const again = await sb.run('b', 'open("/mnt/data/out.txt", "w").write("3")\nimport os\nsorted(os.listdir("/mnt/data"))', { files: [] });
    assert.deepEqual(again.files.map((f) => f.path), ['/mnt/data/out.txt']);
    assert.match(again.logs, /\['out.txt', 'sub'\]/);
  });

  test('an infinite loop times out within a generous bound; the next call gets a fresh interpreter', async () => {
    await sb.run('a', 'kept = 1');
    const started = Date.now();
    const r = await sb.run('a', 'while True:\n    pass', { timeoutMs: 1500 });
    const took = Date.now() - started;
    assert.equal(r.timedOut, true);
    assert.equal(r.error?.type, 'TimeoutError');
    assert.ok(took >= 1400 && took < 15_000, `took ${took} ms`);
    const next = await sb.run('a', 'print("kept" in globals())');
    assert.equal(next.error, null);
    assert.equal(next.logs, 'False\n');
  });

  test('a memory bomb kills the interpreter, not the server', async () => {
    const r = await sb.run('b', 'a = []\nwhile True:\n    a.append(bytearray(10**7))', { memoryLimitMb: 400 });
    assert.equal(r.error?.type, 'MemoryError', r.logs);
    assert.match(r.error!.message, /more than 400 MB/);
    assert.equal((await sb.run('b', '1 + 1')).logs, '2\n');
  });

  test('an aborted signal rejects the call and stops the code', async () => {
    const ac = new AbortController();
    const p = sb.run('a', 'while True:\n    pass', { signal: ac.signal });
    setTimeout(() => ac.abort(), 300);
    await assert.rejects(p, (e: Error) => e.name === 'AbortError');
    assert.equal((await sb.run('a', '"ok"')).logs, "'ok'\n");
    assert.ok(sb.live().length <= 2);
  });

  test('an interpreter whose server is killed outright (kill -9) mid-loop does not outlive it', async () => {
    const sandboxUrl = new URL('../../src/tools/code-interpreter/sandbox.ts', import.meta.url).href;
    const server = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
      const { PythonSandbox } = await import(${JSON.stringify(sandboxUrl)});
      const sb = new PythonSandbox();
      sb.run('x', 'print(1)').then(() => { console.log(sb.live()[0].pid); return sb.run('x', 'while True:\\n    pass'); });
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve, reject) => {
      server.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
      server.once('exit', (code) => reject(new Error(`the server exited first (${code})`)));
    });
    assert.ok(pid > 0);
    await new Promise((r) => setTimeout(r, 300));
    const alive = (p: number) => { try { process.kill(p, 0); return true; } catch { return false; } };
    assert.ok(alive(pid), 'the interpreter runs the loop');
    server.kill('SIGKILL');
    const deadline = Date.now() + 15_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.equal(alive(pid), false, 'the orphaned interpreter was stopped by its watchdog');
  });

  test('image types by magic bytes', () => {
    assert.equal(imageTypeOf(Buffer.from('ffd8ffe0', 'hex')), 'image/jpeg');
    assert.equal(imageTypeOf(Buffer.from('GIF89a....')), 'image/gif');
    assert.equal(imageTypeOf(Buffer.from('plain text')), null);
  });
});
