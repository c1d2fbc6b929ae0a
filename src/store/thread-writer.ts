/**
 * Store writes off the main thread, when there is more than one to do. The event loop is what limits a busy
 * gateway, and a commit is ~15–20 % of its work per response; a worker thread with its own connection to the
 * same SQLite file (writer-thread.ts) takes that work to another core. Handing a write over costs a message
 * each way, though, and wakes two threads: alone, a write is cheaper and answers sooner done right here.
 *
 * So, in `auto` mode, writes queued during one event-loop turn are a batch, and a batch of more than one write
 * goes to the thread; a write alone commits on the main connection at once, as InThreadWriter does. Measured
 * on the bench box (2 vCPUs, bench/README.md) on four fresh process pairs under load: the event loop does
 * ~10 % less work per request than with `inline`, for the same requests per second there — that box's other
 * core runs the load generator and the fake provider, so the work moved is not free. Where the gateway has a
 * core to spare, it is. `thread` mode sends every batch, a lone write too. One batch is in flight at a time
 * and the two connections never write at once, so neither waits on the other's lock. Reads stay on the main
 * connection; in WAL mode they see each commit as soon as its reply has arrived, which is before any caller
 * hears of it.
 *
 * Until the thread has opened its connection (it loads in the background at start-up), and after it has died,
 * every batch commits on the main connection. A batch the thread held when it died has an unknown fate, so its
 * writes fail (the responses are reported as not stored) rather than risk running twice.
 */
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import { commitJobs, TurnBatcher } from './group-commit.js';
import type { Writer, WriterStatus } from './sqlite-writer.js';
import { SqliteWrites, type WriteOp, type WriteResult } from './sqlite-writes.js';
import type { ThreadReply } from './writer-thread.js';

interface Job { op: WriteOp; resolve: (v: any) => void; reject: (e: unknown) => void }

export type WriterMode = 'auto' | 'thread';

/**
 * The thread's module sits beside this one, in the same form: `dist/store/writer-thread.js` in the compiled
 * build (`npm start`), `src/store/writer-thread.ts` when the sources run through tsx (tests, `npm run dev`), where
 * the thread registers tsx before it imports the module. Hard-wiring the `.ts` path once made the compiled build
 * lose its thread without a word: every commit silently ran on the main thread.
 */
export function writerThreadEntry(moduleUrl: string = import.meta.url): { url: URL; typescript: boolean } {
  const typescript = moduleUrl.endsWith('.ts');
  return { url: new URL(typescript ? './writer-thread.ts' : './writer-thread.js', moduleUrl), typescript };
}

function startWriterThread(path: string): Worker {
  const entry = writerThreadEntry();
  if (!entry.typescript) return new Worker(entry.url, { workerData: { path } });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.url.href)}); })`;
  return new Worker(boot, { eval: true, workerData: { path } });
}

/** In `auto` mode: a lone write is cheaper done here than handed over and answers sooner. */
function worthHandingOver(jobs: Job[]): boolean {
  return jobs.length > 1;
}

export class ThreadWriter implements Writer {
  /** How many writes each side committed (tests, diagnostics). */
  readonly stats = { inline: 0, threaded: 0 };
  private readonly writes: SqliteWrites;
  private readonly worker: Worker;
  private readonly batches: TurnBatcher<Job>;
  private inFlight: Job[] | null = null;
  private ready = false;
  private stopped: string | null = null;
  private idle: (() => void)[] = [];

  constructor(private readonly db: BetterSqlite3.Database, path: string, private readonly mode: WriterMode, onStop: (why: string) => void = () => {}) {
    this.writes = new SqliteWrites(db);
    this.batches = new TurnBatcher(db, (jobs) => this.dispatch(jobs), () => this.inFlight !== null);
    this.worker = startWriterThread(path);
    this.worker.unref();
    this.worker.on('message', (m: ThreadReply) => this.onReply(m));
    const stop = (why: string) => {
      if (this.stopped !== null) return;
      this.stopped = why;
      onStop(why);
      this.onThreadStopped();
    };
    this.worker.on('error', (err) => stop(`the writer thread failed: ${err instanceof Error ? err.message : String(err)}`));
    this.worker.on('exit', (code) => stop(`the writer thread exited (code ${code})`));
  }

  run<O extends WriteOp>(op: O): Promise<WriteResult<O>> {
    return new Promise((resolve, reject) => this.batches.push({ op, resolve, reject }));
  }

  /** Waits for every queued write, then stops the thread. */
  async close(): Promise<void> {
    while (this.inFlight || this.batches.pending) await new Promise<void>((resolve) => this.idle.push(resolve));
    if (this.stopped !== null) return;
    this.stopped = 'closed';
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.ref();
    this.worker.postMessage('close');
    await exited;
  }

  status(): WriterStatus {
    return {
      mode: this.mode,
      thread: this.stopped !== null ? 'stopped' : this.ready ? 'ready' : 'loading',
      commits: { main: this.stats.inline, thread: this.stats.threaded },
    };
  }

  private dispatch(jobs: Job[]) {
    if (this.stopped !== null || !this.ready || (this.mode === 'auto' && !worthHandingOver(jobs))) {
      this.commitHere(jobs);
      this.afterBatch();
      return;
    }
    this.inFlight = jobs;
    this.worker.ref();
    this.worker.postMessage(jobs.map((j) => j.op));
  }

  private commitHere(jobs: Job[]) {
    this.stats.inline += jobs.length;
    commitJobs(this.db, jobs, (j) => this.writes.apply(j.op));
  }

  private onReply(m: ThreadReply) {
    if ('ready' in m) {
      this.ready = true;
      return;
    }
    const jobs = this.inFlight ?? [];
    this.inFlight = null;
    this.stats.threaded += jobs.length;
    m.results.forEach((r, i) => (r.ok ? jobs[i].resolve(r.value) : jobs[i].reject(new Error(r.message))));
    this.afterBatch();
  }

  private onThreadStopped() {
    const jobs = this.inFlight;
    this.inFlight = null;
    for (const j of jobs ?? []) j.reject(new Error(`${this.stopped}; the outcome of this write is unknown`));
    this.afterBatch();
  }

  private afterBatch() {
    if (this.batches.pending) {
      this.batches.schedule();
      return;
    }
    if (!this.inFlight) {
      this.worker.unref();
      for (const resolve of this.idle.splice(0)) resolve();
    }
  }
}
