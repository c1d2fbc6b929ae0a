/**
 * The bench runs its servers in child processes so the load generator (the parent) does not share an event
 * loop with them. A child sends `{type:'ready', ...}` once listening, answers `{id, ...}` to asks, and exits on
 * `stop` (cleanly, so `--cpu-prof` can write its profile) or when the parent goes away.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The runtime flags `npm start` gives node, if any (package.json's start script, up to the script name), so
 * the bench runs Switchboard — and the baselines beside it — as users run it.
 */
export function startScriptFlags(root = REPO_ROOT): string[] {
  const start = (JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const tokens = start.split(/\s+/);
  const flags: string[] = [];
  // `node <flags> --import tsx <script> …`: every flag up to the script, but the loader (the bench adds its own).
  for (let i = 1; i < tokens.length && tokens[i].startsWith('--'); i++) {
    if (tokens[i] === '--import') i++;
    else flags.push(tokens[i]);
  }
  return flags;
}

export interface Child<Ready> {
  ready: Ready;
  ask<T = unknown>(type: string, payload?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

export async function startChild<Ready>(script: string, env: Record<string, string>, extraExecArgv: string[] = []): Promise<Child<Ready>> {
  const proc: ChildProcess = fork(resolve(REPO_ROOT, script), [], {
    cwd: REPO_ROOT,
    execArgv: ['--import', 'tsx', ...extraExecArgv],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 0;
  const pending = new Map<number, (v: any) => void>();
  let onReady: (v: any) => void = () => {};
  const ready = new Promise<Ready>((res, rej) => {
    onReady = res;
    proc.once('exit', (code) => rej(new Error(`${script} exited with code ${code} before it was ready`)));
  });
  proc.on('message', (m: any) => {
    if (m?.type === 'ready') onReady(m);
    else if (typeof m?.id === 'number') { pending.get(m.id)?.(m); pending.delete(m.id); }
  });
  const r = await ready;
  proc.removeAllListeners('exit');
  return {
    ready: r,
    ask: (type, payload = {}) => new Promise((res) => {
      const id = ++nextId;
      pending.set(id, res);
      proc.send({ ...payload, type, id });
    }),
    stop: () => new Promise<void>((res) => {
      if (proc.exitCode !== null) return res();
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      proc.once('exit', () => { clearTimeout(timer); res(); });
      proc.send({ type: 'stop' });
    }),
  };
}

/** Child side: serve asks until `stop`, then run `shutdown` and exit 0. */
export function serveParent(
  ready: Record<string, unknown>,
  handlers: Record<string, (msg: any) => unknown | Promise<unknown>>,
  shutdown: () => Promise<void>,
) {
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await shutdown().catch(() => {});
    process.exit(0);
  };
  process.on('message', async (m: any) => {
    if (m?.type === 'stop') return stop();
    const h = handlers[m?.type];
    const result = h ? await h(m) : { error: `unknown ask ${m?.type}` };
    process.send?.({ id: m.id, ...(result as object) });
  });
  process.on('disconnect', () => { void stop(); });
  process.send?.({ type: 'ready', ...ready });
}
