import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger };

/**
 * Structured JSON logs on stdout (pino). Secrets never reach a log line: the
 * redaction list covers the places a token or password could appear.
 */
export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { service: 'pigeon-server' },
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'authorization', '*.authorization', 'jwtSecret', '*.jwtSecret'],
      censor: '[redacted]',
    },
  });
}
