/**
 * A logger for a test server that keeps every record, so a test can wait for something
 * the server did that no client can observe, e.g. that it has handled a socket's
 * disconnect (gateway.ts logs `socket disconnected` at debug level with the socket id).
 */
import { pino, type Logger } from 'pino';
import { waitFor } from './helpers.ts';

export interface LogRecord {
  msg?: string;
  [field: string]: unknown;
}

export interface ServerLog {
  /** Pass as `logger` to the server (StartServerOptions). */
  logger: Logger;
  records: LogRecord[];
  /** The first record that matches, waiting for it up to a deadline. */
  waitFor(what: string, match: (r: LogRecord) => boolean): Promise<LogRecord>;
}

export function captureServerLog(): ServerLog {
  const records: LogRecord[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void records.push(JSON.parse(line) as LogRecord) });
  return {
    logger,
    records,
    async waitFor(what, match) {
      await waitFor(what, () => records.some(match));
      return records.find(match)!;
    },
  };
}

/** Matches the record of the server handling the disconnect of the socket with this id. */
export const disconnectOf = (socketId: string) => (r: LogRecord) => r.msg === 'socket disconnected' && r.socketId === socketId;
