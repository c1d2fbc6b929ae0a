/**
 * The server's logger: pino, one JSON line per entry on stderr (`{"level":"warn","time":"…","msg":…}`).
 * Log lines name what happened (request ids, providers, models, statuses, error codes), never what was said:
 * no message contents, no keys. Callers pass only such fields; the redaction below is a second net for a
 * header or key object logged by mistake.
 */
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

const REDACT = [
  'authorization', '*.authorization', '*.*.authorization',
  '["x-api-key"]', '*["x-api-key"]', '*.*["x-api-key"]',
  'api_key', '*.api_key', 'apiKey', '*.apiKey',
  'input', '*.input', 'instructions', '*.instructions', 'arguments', '*.arguments', 'output', '*.output',
];

export function createLogger(level: LevelWithSilent = 'info', destination: DestinationStream = pino.destination({ dest: 2, sync: true })): Logger {
  return pino({
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACT, censor: '[redacted]' },
  }, destination);
}

/** A logger that writes nothing (tests, tools). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
