import { bodyLimit as honoBodyLimit } from 'hono/body-limit';
import type { MiddlewareHandler } from 'hono';
import { LIMITS, PigeonError } from '@pigeon/sync-protocol';
import { errorResponse } from './errors.ts';

/**
 * Refuses request bodies over `maxBytes` with 413 PAYLOAD_TOO_LARGE before they
 * are buffered (Content-Length checked up front, chunked bodies counted as they stream).
 */
export function bodyLimit(maxBytes: number = LIMITS.httpBodyMaxBytes): MiddlewareHandler {
  return honoBodyLimit({
    maxSize: maxBytes,
    onError: (c) => errorResponse(c, new PigeonError('PAYLOAD_TOO_LARGE', `request body over ${maxBytes} bytes`)),
  });
}
