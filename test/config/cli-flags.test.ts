/** The CLI's flags are checked as the settings they override: a flag that is no port stops start-up, named. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const CLI = join(import.meta.dirname, '../../src/cli.ts');

for (const bad of ['abc', '99999', '-1', '8080x']) {
  test(`--port ${bad} stops start-up with a configuration error naming the flag`, () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'serve', `--port=${bad}`, '--db', ':memory:'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /configuration error: --port: expected a whole number from 0 to 65535/);
  });
}

test('an unknown flag is a usage error, not a stack trace', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'serve', '--prot', '8080'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /Unknown option '--prot'/);
  assert.match(r.stderr, /usage: switchboard serve/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});
