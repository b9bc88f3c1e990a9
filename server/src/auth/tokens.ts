import { SignJWT, jwtVerify } from 'jose';
import { PigeonError } from '@pigeon/sync-protocol';

/** What a valid access token says: whose it is and which session (device) it belongs to. */
export interface AccessClaims {
  userId: string;
  sessionId: string;
  /**
   * Hash of the refresh token this access token was issued with (`gen`): the session gate
   * records the first use of each generation (auth/sessions.ts explains why). Absent on
   * tokens issued before the claim existed.
   */
  generation?: string;
}

/**
 * Access tokens: HS256 JWTs with `sub` = user id, `sid` = session id, `gen` = refresh-token
 * generation (a hash, never the token), `iss` = pigeon,
 * short-lived (config.accessTokenTtlSeconds). This checks the signature and the claims
 * only; whether the session is still live is the SessionGate's job (session-gate.ts),
 * which REST and the Socket.io handshake both go through.
 */
export interface TokenService {
  /** Lifetime of the tokens this issues, seconds. */
  readonly ttlSeconds: number;
  issue(userId: string, sessionId: string, generation?: string): Promise<string>;
  /** Resolves the claims, or throws PigeonError UNAUTHENTICATED. */
  verify(token: string | undefined | null): Promise<AccessClaims>;
}

const ISSUER = 'pigeon';
const ALG = 'HS256';

export function createTokenService(secret: string, ttlSeconds: number): TokenService {
  const key = new TextEncoder().encode(secret);
  return {
    ttlSeconds,
    issue(userId, sessionId, generation) {
      return new SignJWT(generation ? { sid: sessionId, gen: generation } : { sid: sessionId })
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
        // Pinning the algorithm stops "alg: none" and key-confusion tricks. `sid` is required:
        // tokens from before sessions (30-day, no sid) cannot be revoked, so they are refused.
        const { payload } = await jwtVerify(token, key, { algorithms: [ALG], issuer: ISSUER, requiredClaims: ['exp', 'sub', 'sid'] });
        const { sub, sid, gen } = payload;
        if (typeof sub !== 'string' || sub === '' || typeof sid !== 'string' || sid === '') throw new Error('bad claims');
        return typeof gen === 'string' && gen !== '' ? { userId: sub, sessionId: sid, generation: gen } : { userId: sub, sessionId: sid };
      } catch {
        // One message for expired, forged and garbled tokens: the client's answer is the same (refresh or sign in).
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
