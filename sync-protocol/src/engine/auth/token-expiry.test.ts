import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../../base64url.ts';
import { refreshDelayMs, tokenTimes } from './token-expiry.ts';

const jwt = (payload: object) => `${toBase64Url('{"alg":"HS256"}')}.${toBase64Url(JSON.stringify(payload))}.c2ln`;
const MIN = 60_000;

describe('access token expiry', () => {
  it('reads exp and iat (seconds) from a JWT payload, and nothing from anything else', () => {
    expect(tokenTimes(jwt({ sub: 'u1', iat: 1000, exp: 1900 }))).toEqual({ issuedAt: 1_000_000, expiresAt: 1_900_000 });
    expect(tokenTimes(jwt({ sub: 'u1', exp: 1.5 }))).toEqual({ issuedAt: null, expiresAt: 1500 });
    expect(tokenTimes(jwt({ sub: 'u1' }))).toBeNull();
    expect(tokenTimes('token-1-user-1')).toBeNull();
    expect(tokenTimes('a.!!!.c')).toBeNull();
  });

  it('refreshes at 80 % of the lifetime or 60 s before the end, whichever is earlier', () => {
    const received = 5_000_000;
    // 15 min: 80 % (12 min) comes before "60 s before the end" (14 min).
    expect(refreshDelayMs({ issuedAt: 0, expiresAt: 15 * MIN }, received, received)).toBe(12 * MIN);
    // 4 min: 60 s before the end (3 min) comes before 80 % (3.2 min).
    expect(refreshDelayMs({ issuedAt: 0, expiresAt: 4 * MIN }, received, received)).toBe(3 * MIN);
    // Time already spent counts; past the moment, refresh now.
    expect(refreshDelayMs({ issuedAt: 0, expiresAt: 15 * MIN }, received, received + 10 * MIN)).toBe(2 * MIN);
    expect(refreshDelayMs({ issuedAt: 0, expiresAt: 15 * MIN }, received, received + 20 * MIN)).toBe(0);
  });

  it('counts the lifetime from when the device received the token, whatever its clock says', () => {
    // The device clock is an hour ahead of the server: exp is already "past" on it.
    const serverNow = 1_000_000;
    const deviceNow = serverNow + 60 * MIN;
    expect(refreshDelayMs({ issuedAt: serverNow, expiresAt: serverNow + 15 * MIN }, deviceNow, deviceNow)).toBe(12 * MIN);
  });

  it('keeps half of a short lifetime (test tokens of seconds) instead of refreshing at once', () => {
    expect(refreshDelayMs({ issuedAt: 0, expiresAt: 2_000 }, 0, 0)).toBe(1_000);
    expect(refreshDelayMs({ issuedAt: 0, expiresAt: 100_000 }, 0, 0)).toBe(50_000);
    expect(refreshDelayMs({ issuedAt: 10, expiresAt: 10 }, 0, 0)).toBe(0);
  });
});
