/**
 * Python for the code interpreter: one Pyodide interpreter per container, each in its own Node process.
 *
 * Why a process and not a worker thread (measured, README "Code interpreter and containers"): a worker's
 * `resourceLimits` do not cover WebAssembly memory, which is where Python's heap lives, so a memory bomb in a
 * worker grows the server itself; and a worker shares the server's file-system rights. A child process is
 * started with Node's permission model (`--experimental-permission`: it may read the Pyodide directory and
 * nothing else, write nothing, start no process) and `--disallow-code-generation-from-strings`,
 * gets an empty environment (no keys), and is killed from outside — for the wall clock, for resident memory
 * (read from /proc while a call runs), or when the caller aborts. It costs a process (~180 MB resident, ~2 s
 * to start) per live container; `maxLiveInterpreters` bounds that.
 *
 * Calls in one container run one at a time, in order; containers run in parallel. A Python exception is a
 * result (`error` + traceback in `logs`); the promise rejects only when the caller's signal aborts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { abortable } from '../../api/cancellation.js';
import { DATA_DIR, DEFAULT_CODE_INTERPRETER_OPTIONS, type CodeInterpreterOptions } from './options.js';
import { CHILD_SOURCE } from './sandbox-child-source.js';

export interface SandboxFile { path: string; bytes: Buffer; sha256: string }

/** A file the container holds, handed to the interpreter when it does not have this version yet. */
export interface SandboxInputFile {
  /** Absolute, under /mnt/data. */
  path: string;
  /** Content hash: the interpreter is sent the bytes only when it holds another version. */
  sha256: string;
  bytes(): Promise<Buffer> | Buffer;
}

export interface SandboxImage { mediaType: string; base64: string }

export interface SandboxRunOptions {
  signal?: AbortSignal;
  /** Wall clock for this call (default: the sandbox's `timeoutMs`). */
  timeoutMs?: number;
  /** Resident memory cap for this container's interpreter, at most the sandbox's `memoryLimitMb`. */
  memoryLimitMb?: number;
  /**
   * The container's files. When given, the interpreter's /mnt/data is brought in line first: files it lacks
   * or holds another version of are written, files it got from here earlier and not listed now are removed.
   */
  files?: SandboxInputFile[];
}

export interface SandboxRunResult {
  /** stdout and stderr interleaved as written, truncated at `maxOutputBytes` (a note says so). */
  logs: string;
  /** Files under /mnt/data the call created or changed. */
  files: SandboxFile[];
  /** Those of `files` that are images (PNG, JPEG, GIF, WebP). */
  images: SandboxImage[];
  error: { type: string; message: string } | null;
  timedOut: boolean;
}

interface ChildResult {
  type: 'result';
  id: number;
  logs: string;
  dropped: number;
  error: { type: string; message: string } | null;
  files: { path: string; data: Uint8Array; sha256: string }[];
  skipped: { path: string; bytes: number }[];
}

type Ending = { kind: 'timeout' } | { kind: 'memory'; rssMb: number } | { kind: 'aborted' } | { kind: 'exited'; detail: string };

/** Where the `pyodide` package's files are (its real path: the permission model checks real paths). */
export function pyodideDir(): string {
  const require = createRequire(import.meta.url);
  return realpathSync(dirname(require.resolve('pyodide/package.json')));
}

class Interpreter {
  readonly ready: Promise<void>;
  /** What this interpreter holds of the container's files (path → sha256), as sent or as reported back. */
  readonly synced = new Map<string, string>();
  lastUsed = Date.now();
  busy = false;
  dead = false;
  private nextId = 1;
  private stderrTail = '';
  private pending: { id: number; resolve: (r: ChildResult) => void; reject: (e: Ending) => void } | null = null;
  private ending: Ending | null = null;

  constructor(readonly child: ChildProcess, startTimeoutMs: number) {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => { this.stderrTail = (this.stderrTail + s).slice(-2000); });
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { this.kill(); reject(new Error(`the Python interpreter did not start within ${startTimeoutMs} ms`)); }, startTimeoutMs);
      child.once('message', (m: { type?: string }) => {
        clearTimeout(timer);
        if (m?.type === 'ready') resolve();
        else reject(new Error('the Python interpreter sent an unexpected first message'));
      });
      child.once('exit', (code, sig) => {
        clearTimeout(timer);
        reject(new Error(`the Python interpreter exited while starting (${sig ?? code}): ${this.stderrTail.trim().slice(-500)}`));
      });
    });
    this.ready.catch(() => {});
    child.on('message', (m: ChildResult) => {
      if (m?.type === 'result' && this.pending?.id === m.id) {
        const p = this.pending;
        this.pending = null;
        p.resolve(m);
      }
    });
    child.on('exit', (code, sig) => {
      this.dead = true;
      const p = this.pending;
      this.pending = null;
      p?.reject(this.ending ?? { kind: 'exited', detail: sig ? `signal ${sig}` : `exit code ${code}` });
    });
    child.on('error', () => { this.dead = true; });
  }

  send(msg: Record<string, unknown>): Promise<ChildResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending = { id, resolve, reject };
      this.child.send({ ...msg, type: 'run', id });
    });
  }

  /** Stops the process; the pending call (if any) ends with `why`. */
  kill(why?: Ending): void {
    if (why && !this.ending) this.ending = why;
    this.dead = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /** Resident memory in MB from /proc (Linux); null where there is none. */
  rssMb(): number | null {
    try {
      const pages = Number(readFileSync(`/proc/${this.child.pid}/statm`, 'utf8').split(' ')[1]);
      return (pages * 4096) / (1024 * 1024);
    } catch {
      return null;
    }
  }
}

export class PythonSandbox {
  readonly opts: CodeInterpreterOptions;
  private readonly dir: string;
  private readonly interpreters = new Map<string, Interpreter>();
  /** Per container: the tail of its queue of calls. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private closed = false;
  /** On any exit of the server (an uncaught exception included) its interpreters go too. */
  private readonly onExit = () => { for (const it of this.interpreters.values()) it.kill(); };

  constructor(opts: Partial<CodeInterpreterOptions> = {}) {
    this.opts = { ...DEFAULT_CODE_INTERPRETER_OPTIONS, ...opts };
    this.dir = pyodideDir();
    process.on('exit', this.onExit);
  }

  /** Runs `code` in the container's interpreter (started on first use, or again after a kill). */
  run(containerId: string, code: string, opts: SandboxRunOptions = {}): Promise<SandboxRunResult> {
    const prev = this.queues.get(containerId) ?? Promise.resolve();
    const next = prev.catch(() => {}).then(() => this.runNow(containerId, code, opts));
    this.queues.set(containerId, next);
    const settle = () => { if (this.queues.get(containerId) === next) this.queues.delete(containerId); };
    next.then(settle, settle);
    return next;
  }

  /** Stops the container's interpreter (its Python state is gone; the next call starts a fresh one). */
  free(containerId: string): void {
    const it = this.interpreters.get(containerId);
    if (!it) return;
    this.interpreters.delete(containerId);
    it.kill({ kind: 'exited', detail: 'the container was stopped' });
  }

  /** Container ids with a live interpreter, and their process ids (diagnostics, tests, bench). */
  live(): { containerId: string; pid: number | undefined }[] {
    return [...this.interpreters].filter(([, it]) => !it.dead).map(([containerId, it]) => ({ containerId, pid: it.child.pid }));
  }

  async close(): Promise<void> {
    this.closed = true;
    process.off('exit', this.onExit);
    const exits = [...this.interpreters.values()].map((it) => new Promise<void>((resolve) => {
      if (it.child.exitCode !== null || it.child.signalCode !== null) return resolve();
      it.child.once('exit', () => resolve());
      it.kill({ kind: 'exited', detail: 'the server is shutting down' });
    }));
    this.interpreters.clear();
    await Promise.all(exits);
  }

  private async runNow(containerId: string, code: string, opts: SandboxRunOptions): Promise<SandboxRunResult> {
    const signal = opts.signal;
    signal?.throwIfAborted();
    if (this.closed) return failure('SandboxClosed', 'The code interpreter is shutting down.');
    let it: Interpreter;
    try {
      const got = await this.interpreterFor(containerId, signal);
      if (!got) {
        return failure('SandboxBusy', `All ${this.opts.maxLiveInterpreters} Python interpreters are busy; try again shortly.`);
      }
      it = got;
    } catch (err) {
      signal?.throwIfAborted();
      return failure('InterpreterStartError', (err as Error).message);
    }
    it.busy = true;
    it.lastUsed = Date.now();
    const timeoutMs = opts.timeoutMs ?? this.opts.timeoutMs;
    const memoryMb = Math.min(opts.memoryLimitMb ?? this.opts.memoryLimitMb, this.opts.memoryLimitMb);
    let timer: NodeJS.Timeout | undefined;
    let poll: NodeJS.Timeout | undefined;
    const onAbort = () => it.kill({ kind: 'aborted' });
    try {
      const { write, remove } = await this.plan(it, opts.files);
      signal?.throwIfAborted();
      signal?.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => it.kill({ kind: 'timeout' }), timeoutMs);
      poll = setInterval(() => {
        const rss = it.rssMb();
        if (rss !== null && rss > memoryMb) it.kill({ kind: 'memory', rssMb: rss });
      }, 50);
      const r = await it.send({
        code, write, remove, maxOutputBytes: this.opts.maxOutputBytes, maxFileBytes: this.opts.maxFileBytes, maxFiles: this.opts.maxFilesPerCall,
      });
      for (const p of remove) it.synced.delete(p);
      for (const f of write) it.synced.set(f.path, f.sha256);
      const files = r.files.map((f) => ({ path: f.path, bytes: Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength), sha256: f.sha256 }));
      for (const f of files) it.synced.set(f.path, f.sha256);
      let logs = r.logs;
      if (r.dropped > 0) logs += `\n[output truncated: ${r.dropped} more bytes were not kept (limit ${this.opts.maxOutputBytes} bytes)]\n`;
      for (const s of r.skipped) logs += `\n[file ${s.path} (${s.bytes} bytes) was not kept: over the limit of ${this.opts.maxFileBytes} bytes or ${this.opts.maxFilesPerCall} files per call]\n`;
      return { logs, files, images: imagesOf(files), error: r.error, timedOut: false };
    } catch (err) {
      if (this.interpreters.get(containerId) === it) this.interpreters.delete(containerId);
      it.kill();
      const ending = err as Ending;
      if (ending?.kind === 'aborted' || signal?.aborted) throw signal?.reason ?? new DOMException('The operation was aborted.', 'AbortError');
      if (ending?.kind === 'timeout') {
        return {
          ...failure('TimeoutError', `The code ran longer than ${timeoutMs} ms and was stopped. The interpreter was restarted: variables and imports are gone; files in ${DATA_DIR} are kept.`),
          timedOut: true,
        };
      }
      if (ending?.kind === 'memory') {
        return failure('MemoryError', `The interpreter used more than ${memoryMb} MB of memory (${Math.round(ending.rssMb)} MB) and was stopped. It was restarted: variables and imports are gone; files in ${DATA_DIR} are kept.`);
      }
      const detail = ending?.kind === 'exited' ? ending.detail : (err as Error)?.message ?? String(err);
      return failure('InterpreterCrashed', `The Python interpreter stopped unexpectedly (${detail}). It will be restarted on the next call.`);
    } finally {
      clearTimeout(timer);
      clearInterval(poll);
      signal?.removeEventListener('abort', onAbort);
      it.busy = false;
      it.lastUsed = Date.now();
    }
  }

  /** What to write and remove so the interpreter holds exactly the container's files (when given). */
  private async plan(it: Interpreter, files: SandboxInputFile[] | undefined) {
    const write: { path: string; data: Buffer; sha256: string }[] = [];
    const remove: string[] = [];
    if (!files) return { write, remove };
    const listed = new Set<string>();
    for (const f of files) {
      listed.add(f.path);
      if (it.synced.get(f.path) !== f.sha256) write.push({ path: f.path, data: await f.bytes(), sha256: f.sha256 });
    }
    for (const p of it.synced.keys()) if (!listed.has(p)) remove.push(p);
    return { write, remove };
  }

  /** The container's live interpreter, or a new one (null when the cap is reached and every one is busy). */
  private async interpreterFor(containerId: string, signal?: AbortSignal): Promise<Interpreter | null> {
    let it = this.interpreters.get(containerId);
    if (it?.dead) {
      this.interpreters.delete(containerId);
      it = undefined;
    }
    if (!it) {
      if (this.interpreters.size >= this.opts.maxLiveInterpreters && !this.evictOne()) return null;
      it = this.start();
      this.interpreters.set(containerId, it);
    }
    const started = it;
    try {
      await abortable(started.ready, signal);
    } catch (err) {
      if (this.interpreters.get(containerId) === started) this.interpreters.delete(containerId);
      started.kill();
      throw err;
    }
    return started;
  }

  /** Stops the least recently used idle interpreter; false when all are busy. */
  private evictOne(): boolean {
    let oldest: [string, Interpreter] | null = null;
    for (const entry of this.interpreters) {
      if (entry[1].busy) continue;
      if (!oldest || entry[1].lastUsed < oldest[1].lastUsed) oldest = entry;
    }
    if (!oldest) return false;
    this.free(oldest[0]);
    return true;
  }

  private start(): Interpreter {
    const child = spawn(process.execPath, [
      '--experimental-permission',
      `--allow-fs-read=${this.dir}`,
      '--disallow-code-generation-from-strings',
      // For the orphan watchdog only (sandbox-child-source.ts); Python has no way to reach the Worker class.
      '--allow-worker',
      `--max-old-space-size=${Math.max(64, Math.min(this.opts.memoryLimitMb, 4096))}`,
      '--no-warnings',
      '--input-type=module',
      '-e', CHILD_SOURCE,
      '--', this.dir,
    ], {
      // No environment: the server's keys stay out of reach even of an escape.
      env: {},
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    return new Interpreter(child, this.opts.startTimeoutMs);
  }
}

function failure(type: string, message: string): SandboxRunResult {
  return { logs: '', files: [], images: [], error: { type, message }, timedOut: false };
}

/** The image type of a file's first bytes, or null. */
export function imageTypeOf(bytes: Buffer): string | null {
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 6 && (bytes.toString('latin1', 0, 6) === 'GIF87a' || bytes.toString('latin1', 0, 6) === 'GIF89a')) return 'image/gif';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return null;
}

function imagesOf(files: SandboxFile[]): SandboxImage[] {
  const out: SandboxImage[] = [];
  for (const f of files) {
    const mediaType = imageTypeOf(f.bytes);
    if (mediaType) out.push({ mediaType, base64: f.bytes.toString('base64') });
  }
  return out;
}
