/**
 * The program one interpreter process runs (sandbox.ts starts it with `node --input-type=module -e`), kept
 * as a string so the same text runs from the compiled build and from the sources under tsx: the child gets
 * no loader, and the permission model would refuse it one (it cannot read outside the Pyodide directory).
 *
 * Order matters. Pyodide loads first, with the Node globals it needs; then every global that reaches the
 * network or Node itself is deleted, before any user code exists. The process was started with
 * `--disallow-code-generation-from-strings`, so Python cannot get back to them through `eval`, `Function`
 * or a dynamic `import()` (pyodide.code.run_js is an `eval`). What stays reachable from `import js` is the
 * JS language, timers, `crypto.getRandomValues`, and Pyodide's own objects, whose Node access (NODEFS) the
 * permission model confines to reading the Pyodide directory.
 *
 * Protocol (IPC, advanced serialization so bytes travel as Uint8Array):
 *   child → parent: { type: 'ready' } once loaded; { type: 'result', id, logs, dropped, error, files, skipped }.
 *   parent → child: { type: 'run', id, code, write: [{path, data}], remove: [path], maxOutputBytes, maxFileBytes, maxFiles }.
 */

/** The Python side: runs a cell Jupyter-style (the last expression's repr is printed) in one lasting namespace. */
const PY_HELPER = `
import os, sys, traceback
from pyodide.code import eval_code_async

os.makedirs('/mnt/data', exist_ok=True)
os.chdir('/mnt/data')
_sb_ns = {'__name__': '__main__', '__builtins__': __builtins__}

async def _sb_run(code):
    try:
        result = await eval_code_async(code, _sb_ns, filename='<code>')
        if result is not None:
            print(repr(result))
        return None
    except BaseException as e:
        tb = e.__traceback__
        # The frames of Pyodide's own runner say nothing to the author of the code.
        while tb is not None and tb.tb_frame.f_code.co_filename != '<code>':
            tb = tb.tb_next
        sys.stderr.write(''.join(traceback.format_exception(type(e), e, tb)))
        return [type(e).__name__, str(e)]
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            pass
`;

export const CHILD_SOURCE = `
const proc = globalThis.process;
const BufferRef = Buffer;
const dir = proc.argv[proc.argv.length - 1];
const { constants: fsConstants } = await import('node:fs');
const { constants: osConstants } = await import('node:os');
const { createHash } = await import('node:crypto');
const { pathToFileURL } = await import('node:url');
// A server killed outright (kill -9, the OOM killer) cannot stop its interpreters, and one spinning in Python
// never reads its IPC channel again: a watchdog thread ends this process once its parent is gone.
const { Worker } = await import('node:worker_threads');
new Worker('const p = process.ppid; setInterval(() => { if (process.ppid !== p) process.kill(process.pid, "SIGKILL"); }, 1000);', { eval: true }).unref();
proc.on('disconnect', () => proc.exit(0));
// NODEFS's set-up asks process.binding('constants'), which the permission model refuses.
proc.binding = (name) => {
  if (name === 'constants') return { fs: fsConstants, os: osConstants };
  throw new Error('process.binding is not available');
};
const { loadPyodide } = await import(pathToFileURL(dir + '/pyodide.mjs').href);

let out = null;
const collect = (buf) => {
  if (out) {
    const room = out.max - out.size;
    if (room >= buf.length) { out.chunks.push(BufferRef.from(buf)); out.size += buf.length; }
    else { if (room > 0) { out.chunks.push(BufferRef.from(buf.subarray(0, room))); out.size += room; } out.dropped += buf.length - Math.max(room, 0); }
  }
  return buf.length;
};
const py = await loadPyodide({ indexURL: dir + '/' });
py.setStdout({ write: collect });
py.setStderr({ write: collect });
py.setStdin({ error: true });
py.runPython(${JSON.stringify(PY_HELPER)});
const runCell = py.globals.get('_sb_run');
const FS = py.FS;

// From here on, nothing Python can reach leads to the network, the process or a module loader.
for (const name of ['process', 'fetch', 'Request', 'Response', 'Headers', 'FormData', 'WebSocket', 'XMLHttpRequest',
  'EventSource', 'navigator', 'require', 'module', 'exports', '__filename', '__dirname', 'Buffer', 'global',
  'BroadcastChannel', 'MessageChannel', 'MessagePort', 'Worker', 'SharedWorker', 'importScripts', 'WebSocketStream']) {
  try { delete globalThis[name]; } catch {}
  if (name in globalThis) { try { Object.defineProperty(globalThis, name, { value: undefined, configurable: false, writable: false }); } catch {} }
}
for (const key of ['loadPackage', 'loadPackagesFromImports', 'mountNodeFS', 'mountNativeFS', 'registerJsModule', 'pyimport', 'runPythonAsync']) {
  try { py[key] = () => { throw new Error(key + ' is not available in this sandbox'); }; } catch {}
}

const DATA = '/mnt/data';
const known = new Map();
const sha = (data) => createHash('sha256').update(data).digest('hex');
const mkdirs = (path) => {
  let cur = '';
  for (const part of path.split('/').slice(1, -1)) {
    cur += '/' + part;
    try { FS.mkdir(cur); } catch {}
  }
};
const walk = (path, acc) => {
  let names;
  try { names = FS.readdir(path); } catch { return acc; }
  for (const name of names) {
    if (name === '.' || name === '..') continue;
    const p = path + '/' + name;
    let st;
    try { st = FS.stat(p); } catch { continue; }
    if (FS.isDir(st.mode)) walk(p, acc);
    else if (FS.isFile(st.mode)) acc.push({ path: p, size: st.size });
  }
  return acc;
};

proc.on('message', async (m) => {
  if (!m || m.type !== 'run') return;
  for (const path of m.remove) { try { FS.unlink(path); } catch {} known.delete(path); }
  for (const f of m.write) {
    mkdirs(f.path);
    FS.writeFile(f.path, f.data);
    known.set(f.path, sha(f.data));
  }
  out = { chunks: [], size: 0, dropped: 0, max: m.maxOutputBytes };
  let error = null;
  try {
    const r = await runCell(m.code);
    if (r) { const pair = r.toJs(); r.destroy(); error = { type: String(pair[0]), message: String(pair[1]) }; }
  } catch (e) {
    error = { type: 'InterpreterError', message: String(e && e.message || e) };
  }
  const logs = BufferRef.concat(out.chunks).toString('utf8');
  const dropped = out.dropped;
  out = null;
  const files = [];
  const skipped = [];
  for (const { path, size } of walk(DATA, [])) {
    if (size > m.maxFileBytes || files.length >= m.maxFiles) {
      if (known.get(path) !== 'skipped:' + size) { skipped.push({ path, bytes: size }); known.set(path, 'skipped:' + size); }
      continue;
    }
    const data = FS.readFile(path);
    const digest = sha(data);
    if (known.get(path) === digest) continue;
    known.set(path, digest);
    files.push({ path, data, sha256: digest });
  }
  proc.send({ type: 'result', id: m.id, logs, dropped, error, files, skipped });
});
proc.send({ type: 'ready' });
`;
