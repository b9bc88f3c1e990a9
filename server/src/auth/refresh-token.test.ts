import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveRefreshKey, formatRefreshToken, hashRefreshSecret, newRefreshSecret, parseRefreshToken, successorSecret } from './refresh-token.ts';

describe('refresh tokens', () => {
  it('are <session id>.<43 base64url characters> and parse back', () => {
    const id = randomUUID();
    const secret = newRefreshSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newRefreshSecret()).not.toBe(secret);
    expect(parseRefreshToken(formatRefreshToken(id, secret))).toEqual({ sessionId: id, secret });
  });

  it('refuses anything else', () => {
    const secret = newRefreshSecret();
    for (const bad of ['', 'nodot', `.${secret}`, `id.${secret}x`, `id.${secret.slice(1)}`, `id.${secret.slice(1)}=`, `a.b.${secret}`, `${'x'.repeat(65)}.${secret}`]) {
      expect(parseRefreshToken(bad), bad).toBeNull();
    }
  });

  it('keeps a hash, not the secret', () => {
    const secret = newRefreshSecret();
    expect(hashRefreshSecret(secret)).toBe(hashRefreshSecret(secret));
    expect(hashRefreshSecret(secret)).not.toContain(secret);
    expect(hashRefreshSecret(secret)).not.toBe(hashRefreshSecret(newRefreshSecret()));
  });

  it('derives the same successor for the same secret under the same key, and only then', () => {
    const key = deriveRefreshKey('jwt-secret-jwt-secret-jwt-secret');
    const secret = newRefreshSecret();
    const next = successorSecret(key, secret);
    expect(next).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(successorSecret(deriveRefreshKey('jwt-secret-jwt-secret-jwt-secret'), secret)).toBe(next);
    expect(successorSecret(deriveRefreshKey('another-secret-another-secret!!'), secret)).not.toBe(next);
    expect(successorSecret(key, newRefreshSecret())).not.toBe(next);
    // A successor is itself a well-formed secret, so it can be rotated in turn.
    expect(parseRefreshToken(`id.${next}`)).toEqual({ sessionId: 'id', secret: next });
  });
});
