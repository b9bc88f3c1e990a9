/**
 * How an HTTP answer or its absence becomes a PigeonError, for every fetch the engine makes
 * (rest.ts's JSON calls, rest-attachments.ts's uploads and downloads): one rule, so a refusal
 * reads the same whichever call met it.
 */
import { codeForStatus, errorBodySchema, PigeonError, type ErrorCode } from '../../errors.ts';
import { networkError } from './transport.ts';

/** `fetch`, with a request that got no answer (offline, refused, cut, timed out) as a network error: retried, never reported. */
export async function fetchOrNetworkError(doFetch: typeof fetch, url: string, init: RequestInit): Promise<Response> {
  try {
    return await doFetch(url, init);
  } catch (e) {
    throw networkError(whyUnanswered(e));
  }
}

/** The reason a request or its body failed; a timeout says so (AbortSignal.timeout's TimeoutError). */
export const whyUnanswered = (e: unknown): string => ((e as Error | null)?.name === 'TimeoutError' ? 'no answer in time' : String((e as Error)?.message ?? e));

/**
 * A non-2xx answer as a PigeonError: the body's code and message, else the status's code (a
 * status outside the contract, a proxy's 502: INTERNAL, retried like any unknown failure).
 */
export function refusalOf(response: Response, json: unknown): PigeonError {
  const parsed = errorBodySchema.safeParse(json);
  const code: ErrorCode = parsed.success ? parsed.data.error.code : (codeForStatus(response.status) ?? 'INTERNAL');
  const text = parsed.success ? parsed.data.error.message : `HTTP ${response.status}`;
  return new PigeonError(code, text, { status: response.status });
}
