/**
 * Start-up time and idle memory of the server process, as `npm start` runs it (the compiled build, `dist/`)
 * against the TypeScript sources run through the tsx loader (what `npm start` ran before) — and a bare
 * `node` that only opens a listening socket, the floor any Node server pays. All three alternate round by
 * round in one run, so the ratios compare like with like on a noisy machine.
 *
 *   npm run bench:startup -- [--rounds=10]
 *
 * Start-up = spawn until the server's "listening on" line; idle RSS = VmRSS one second after that, with no
 * request served. No providers, a fresh SQLite file per round (migrations included).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './child-process.js';
import { median } from './stats.js';

const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? '10');

const BARE = `require('node:http').createServer().listen(0, '127.0.0.1', function () { process.stderr.write('listening on http://127.0.0.1:' + this.address().port + '\\n'); })`;

const TARGETS: Record<string, string[]> = {
  'node (bare listen)': ['-e', BARE, '--'],
  'tsx src/cli.ts (before)': ['--import', 'tsx', 'src/cli.ts', 'serve'],
  'dist/cli.js (npm start)': ['dist/cli.js', 'serve'],
};

async function once(args: string[]): Promise<{ ms: number; rssMb: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-startup-'));
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [...args, '--port', '0', '--db', join(dir, 'sb.db')], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, SWITCHBOARD_FILES_DIR: join(dir, 'files'), NODE_OPTIONS: '' },
  });
  try {
    const ms = await new Promise<number>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (c: Buffer) => {
        err += c.toString();
        if (err.includes('listening on')) resolve(Number(process.hrtime.bigint() - started) / 1e6);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    await new Promise((r) => setTimeout(r, 1000));
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    return { ms, rssMb: rssKb / 1024 };
  } finally {
    child.removeAllListeners('exit');
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

const results: Record<string, { ms: number[]; rss: number[] }> = {};
for (const name of Object.keys(TARGETS)) results[name] = { ms: [], rss: [] };
const names = Object.keys(TARGETS);
for (let round = 0; round < rounds; round++) {
  // Alternate the order each round so no target always runs right after another.
  const order = round % 2 === 0 ? names : [...names].reverse();
  for (const name of order) {
    const r = await once(TARGETS[name]);
    results[name].ms.push(r.ms);
    results[name].rss.push(r.rssMb);
  }
}

const before = results['tsx src/cli.ts (before)'];
console.log(`start-up and idle RSS, ${rounds} rounds (medians; node ${process.version})`);
console.log('| process | start-up ms | idle RSS MB | start-up ÷ before | RSS ÷ before |');
console.log('|---|---|---|---|---|');
for (const name of names) {
  const r = results[name];
  const ms = median(r.ms);
  const rss = median(r.rss);
  console.log(`| ${name} | ${ms.toFixed(0)} | ${rss.toFixed(1)} | ${(ms / median(before.ms)).toFixed(2)}× | ${(rss / median(before.rss)).toFixed(2)}× |`);
}
