import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { bearerToken, createTokenService } from './tokens.ts';

const SECRET = 'unit-test-secret-unit-test-secret';

describe('token service', () => {
  const tokens = createTokenService(SECRET, 60);

  it('round-trips a user id', async () => {
    expect(await tokens.verify(await tokens.issue('user-1'))).toBe('user-1');
  });

  it('refuses missing, tampered, foreign, expired and alg=none tokens as UNAUTHENTICATED', async () => {
    const good = await tokens.issue('user-1');
    const [h, p, s] = good.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ sub: 'admin', iss: 'pigeon', exp: 9e9 })).toString('base64url')}.${s}`;
    const foreign = await createTokenService('another-secret-another-secret!!', 60).issue('user-1');
    const expired = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('user-1').setIssuer('pigeon').setExpirationTime(Math.floor(Date.now() / 1000) - 5).sign(new TextEncoder().encode(SECRET));
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`;
    const noExp = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('user-1').setIssuer('pigeon').sign(new TextEncoder().encode(SECRET));
    for (const t of [undefined, null, '', 'abc', tampered, foreign, expired, none, noExp]) {
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
