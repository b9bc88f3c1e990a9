import { ERROR_STATUS, PigeonError, type ErrorCode } from '../errors.ts';

/** A refusal shaped as the real server's: code, message, and the HTTP status a REST client would see. */
export function fail(code: ErrorCode, message: string): PigeonError {
  return new PigeonError(code, message, { status: ERROR_STATUS[code] });
}
