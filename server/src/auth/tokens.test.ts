import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { bearerToken, createTokenService } from './tokens.ts';

const SECRET = 'unit-test-secret-unit-test-secret';
const key = new TextEncoder().encode(SECRET);

describe('token service', () => {
  const tokens = createTokenService(SECRET, 60);

  it('round-trips a user id and a session id, and expires after its lifetime', async () => {
    const token = await tokens.issue('user-1', 'session-1');
    expect(await tokens.verify(token)).toEqual({ userId: 'user-1', sessionId: 'session-1' });
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(payload).toMatchObject({ sub: 'user-1', sid: 'session-1', iss: 'pigeon' });
    expect(payload.exp - payload.iat).toBe(60);
    expect(tokens.ttlSeconds).toBe(60);
  });

  it('refuses missing, tampered, foreign, expired, alg=none and session-less tokens as UNAUTHENTICATED', async () => {
    const good = await tokens.issue('user-1', 'session-1');
    const [h, p, s] = good.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ sub: 'admin', sid: 'session-1', iss: 'pigeon', exp: 9e9 })).toString('base64url')}.${s}`;
    const foreign = await createTokenService('another-secret-another-secret!!', 60).issue('user-1', 'session-1');
    const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('user-1').setIssuer('pigeon');
    const expired = await sign({ sid: 'session-1' }).setExpirationTime(Math.floor(Date.now() / 1000) - 5).sign(key);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`;
    const noExp = await sign({ sid: 'session-1' }).sign(key);
    // A token from before sessions: signed with the right key, but it names no session to revoke.
    const noSid = await sign({}).setExpirationTime('1h').sign(key);
    const emptySid = await sign({ sid: '' }).setExpirationTime('1h').sign(key);
    for (const t of [undefined, null, '', 'abc', tampered, foreign, expired, none, noExp, noSid, emptySid]) {
      await expect(tokens.verify(t), String(t)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    }
  });

  it('reads Bearer headers only', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
  });
});
