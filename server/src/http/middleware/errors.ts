import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { codeForStatus, isPigeonError, PigeonError } from '@pigeon/sync-protocol';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from '../../log.ts';
import { retryAfterSeconds } from '../../limits/rate-limited.ts';

/** Renders a PigeonError as the contract's `{ error: { code, message } }` with its status (and Retry-After when it has one). */
export function errorResponse(c: Context, err: PigeonError): Response {
  const retryAfter = retryAfterSeconds(err);
  if (retryAfter !== null) c.header('Retry-After', String(retryAfter));
  return c.json(err.toBody(), err.status as ContentfulStatusCode);
}

/**
 * Last line of defence. PigeonErrors are expected outcomes and go out as they
 * are; Hono's HTTPExceptions keep their status with our body shape; anything
 * else is a bug: logged with its stack, answered as a bare 500 INTERNAL so no
 * internals (SQL, paths, stack) reach the client.
 */
export function createErrorHandler(log: Logger): ErrorHandler {
  return function onError(err, c) {
    if (isPigeonError(err)) return errorResponse(c, err);
    if (err instanceof HTTPException && err.status < 500) {
      // A 4xx of Hono's own that the contract has no code for is still the client's fault.
      const code = codeForStatus(err.status) ?? 'VALIDATION';
      return errorResponse(c, new PigeonError(code, err.message || code.toLowerCase()));
    }
    log.error({ err, method: c.req.method, path: c.req.path }, 'unhandled error');
    return errorResponse(c, new PigeonError('INTERNAL', 'internal error'));
  };
}

export const notFound: NotFoundHandler = (c) => errorResponse(c, new PigeonError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`));
