import { ERROR_STATUS, PigeonError, type ErrorCode } from '../errors.ts';

/** A refusal shaped as the real server's: code, message, and the HTTP status a REST client would see. */
export function fail(code: ErrorCode, message: string): PigeonError {
  return new PigeonError(code, message, { status: ERROR_STATUS[code] });
}

/** The PigeonError `p` rejects with; throws when it resolves or rejects with anything else. */
export async function rejectionOf(p: Promise<unknown>): Promise<PigeonError> {
  const outcome = await p.then(
    (value: unknown) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a PigeonError, the promise resolved with ${JSON.stringify(outcome.value)}`);
  if (!(outcome.error instanceof PigeonError)) throw new Error(`expected a PigeonError, got ${String(outcome.error)}`, { cause: outcome.error });
  return outcome.error;
}
