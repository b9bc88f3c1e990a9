/**
 * When to refresh an access token. Pure: the clock is passed in.
 *
 * The access token is a JWT whose payload carries `exp` (and, from jose, `iat`), in
 * seconds. The device only reads them; it never verifies the signature (the server does).
 * A token that is not a JWT, or has no `exp`, is never refreshed ahead of time: the first
 * 401 refreshes it instead.
 */
import { fromBase64Url } from '../../base64url.ts';

export interface TokenTimes {
  /** `iat` in ms (server clock), or null when absent. */
  issuedAt: number | null;
  /** `exp` in ms (server clock). */
  expiresAt: number;
}

/** `iat` / `exp` of a JWT's payload, or null when the token is not a JWT with an `exp`. */
export function tokenTimes(token: string): TokenTimes | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  let payload: unknown;
  try {
    payload = JSON.parse(fromBase64Url(parts[1]));
  } catch {
    return null;
  }
  const { exp, iat } = (payload ?? {}) as { exp?: unknown; iat?: unknown };
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return null;
  return { expiresAt: exp * 1000, issuedAt: typeof iat === 'number' && Number.isFinite(iat) ? iat * 1000 : null };
}

/** Refresh at most this long before the token expires… */
export const REFRESH_MARGIN_MS = 60_000;
/** …or after this share of its lifetime, whichever comes first. */
export const REFRESH_AT_SHARE = 0.8;

/**
 * Milliseconds from `now` until the token should be refreshed (0: now).
 *
 * The lifetime is `exp − iat`, both from the server's clock, and it is counted from
 * `receivedAt` on the device's clock: a device whose clock is off by minutes still refreshes
 * at the right moment (counting to `exp` on the device clock would refresh a fresh token
 * at once, forever, on a device that runs fast). Without `iat` the device clock is all there is.
 *
 * The refresh comes at 80 % of the lifetime or 60 s before the end, whichever is earlier;
 * but the 60 s margin never takes more than half of a short lifetime (test servers issue
 * tokens of a few seconds), or every new token would be refreshed the moment it arrives.
 */
export function refreshDelayMs(times: TokenTimes, receivedAt: number, now: number): number {
  const lifetime = times.issuedAt !== null ? times.expiresAt - times.issuedAt : times.expiresAt - receivedAt;
  if (!(lifetime > 0)) return 0;
  const margin = Math.max((1 - REFRESH_AT_SHARE) * lifetime, Math.min(REFRESH_MARGIN_MS, lifetime / 2));
  return Math.max(0, receivedAt + lifetime - margin - now);
}
