import { PigeonError } from '@pigeon/sync-protocol';

interface RetryDetails {
  retryAfterSeconds: number;
}

/**
 * RATE_LIMITED with the time after which the same request may succeed. The
 * HTTP error handler turns it into a `Retry-After` header (whole seconds, at
 * least 1, as RFC 9110 wants); socket acks carry only code and message.
 */
export function rateLimited(message: string, retryAfterMs: number): PigeonError {
  const details: RetryDetails = { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
  return new PigeonError('RATE_LIMITED', message, details);
}

/** The `Retry-After` seconds of an error made by `rateLimited`, or null. */
export function retryAfterSeconds(err: PigeonError): number | null {
  const details = err.details as Partial<RetryDetails> | undefined;
  return err.code === 'RATE_LIMITED' && typeof details?.retryAfterSeconds === 'number' ? details.retryAfterSeconds : null;
}
