/** `server.shutdown_grace_seconds` / SWITCHBOARD_SHUTDOWN_GRACE_SECONDS: how long a SIGTERM lets responses run. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig, ConfigError } from '../../src/config/load-config.js';

test('shutdown grace: 30 s by default, from the file, the environment wins, a bad value stops start-up', () => {
  assert.equal(buildConfig({}, {}).shutdownGraceMs, 30_000);
  assert.equal(buildConfig({ server: { shutdown_grace_seconds: 5 } }, {}).shutdownGraceMs, 5_000);
  assert.equal(buildConfig({ server: { shutdown_grace_seconds: 5 } }, { SWITCHBOARD_SHUTDOWN_GRACE_SECONDS: '0' }).shutdownGraceMs, 0);
  assert.throws(() => buildConfig({ server: { shutdown_grace_seconds: 'soon' } }, {}), (e: unknown) => e instanceof ConfigError && /server\.shutdown_grace_seconds/.test(e.message));
});
