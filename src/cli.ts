/** `switchboard serve [--config path] [--port n] [--host h] [--db path]` */
import { parseArgs } from 'node:util';
import { startServer } from './app.js';
import { ConfigError, loadConfig, type Config } from './config/load-config.js';

const USAGE = 'usage: switchboard serve [--config switchboard.yaml] [--port 8080] [--host 127.0.0.1] [--db ./data/switchboard.db]\n';

function parseFlags() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        db: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    // An unknown flag or a missing value: say which, with the usage, not a stack trace.
    process.stderr.write(`switchboard: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    process.exit(2);
  }
}

async function main() {
  const { positionals, values } = parseFlags();
  const command = positionals[0] ?? 'serve';
  if (values.help || command !== 'serve') {
    process.stdout.write(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const overrides: Partial<Config> = {};
  if (values.port !== undefined) {
    // Checked as the file's server.port is: a flag that is no port stops start-up instead of listening on NaN.
    if (!/^\d+$/.test(values.port) || Number(values.port) > 65535) {
      process.stderr.write(`switchboard: configuration error: --port: expected a whole number from 0 to 65535, got "${values.port}"\n`);
      process.exit(2);
    }
    overrides.port = Number(values.port);
  }
  if (values.host) overrides.host = values.host;
  if (values.db) overrides.dbPath = values.db;
  let config: Config;
  try {
    config = loadConfig({ path: values.config, overrides });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`switchboard: configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const running = await startServer(config);
  // The first signal drains (running responses finish, up to server.shutdown_grace_seconds, then end stored and
  // answered); a second one exits at once. Installed before the banner: whoever waits for it may signal at once.
  let signalled = false;
  const shutdown = (signal: string) => {
    if (signalled) process.exit(1);
    signalled = true;
    process.stderr.write(`switchboard: ${signal}: draining (up to ${config.shutdownGraceMs / 1000} s for running responses)\n`);
    running.close().then(() => process.exit(0), (err: unknown) => {
      process.stderr.write(`switchboard: shutdown failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    });
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  const providers = config.providers.map((p) => `${p.name} (${p.kind})`).join(', ') || 'none — set OPENAI_API_KEY or write switchboard.yaml';
  process.stderr.write(
    `switchboard listening on ${running.url}\n` +
      `  database: ${config.dbPath}\n` +
      `  providers: ${providers}\n` +
      (config.apiKeys.length
        ? `  auth: ${config.apiKeys.length} API key(s) required on /v1\n`
        : '  auth: no API keys configured — listening on loopback only; set SWITCHBOARD_API_KEYS and SWITCHBOARD_HOST to expose it\n'),
  );
}

main().catch((err) => {
  process.stderr.write(`switchboard: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
