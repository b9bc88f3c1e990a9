import { SignJWT, jwtVerify } from 'jose';
import { PigeonError } from '@pigeon/sync-protocol';

/**
 * HS256 JWTs: `sub` is the user id. REST and the Socket.io handshake verify with
 * this same object, so both refuse exactly the same tokens.
 */
export interface TokenService {
  issue(userId: string): Promise<string>;
  /** Resolves the user id, or throws PigeonError UNAUTHENTICATED. */
  verify(token: string | undefined | null): Promise<string>;
}

const ISSUER = 'pigeon';
const ALG = 'HS256';

export function createTokenService(secret: string, ttlSeconds: number): TokenService {
  const key = new TextEncoder().encode(secret);
  return {
    issue(userId) {
      return new SignJWT({})
        .setProtectedHeader({ alg: ALG })
        .setSubject(userId)
        .setIssuer(ISSUER)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(key);
    },
    async verify(token) {
      if (!token) throw new PigeonError('UNAUTHENTICATED', 'missing token');
      try {
        // Pinning the algorithm stops "alg: none" and key-confusion tricks.
        const { payload } = await jwtVerify(token, key, { algorithms: [ALG], issuer: ISSUER, requiredClaims: ['exp', 'sub'] });
        if (typeof payload.sub !== 'string' || payload.sub === '') throw new Error('no subject');
        return payload.sub;
      } catch {
        // One message for expired, forged and garbled tokens: the client's answer is the same (sign in again).
        throw new PigeonError('UNAUTHENTICATED', 'invalid or expired token');
      }
    },
  };
}

/** `Authorization: Bearer <jwt>` → the token, or null. */
export function bearerToken(header: string | undefined | null): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}
