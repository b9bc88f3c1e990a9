import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * Refresh tokens: `<sessionId>.<secret>`, the secret 32 random bytes in base64url (43
 * characters). The store keeps only sha256(secret), so a leaked database holds no usable token.
 *
 * The secret that replaces a presented one is not random but derived from it:
 * successor = base64url(HMAC-SHA256(refreshKey, secret)). Two tabs that present the same
 * token at about the same time then both receive the same successor (sessions.ts), instead
 * of the second one looking like a stolen token being replayed. Without the server's key
 * nobody can compute a successor.
 */
const SECRET_BYTES = 32;
const SECRET_RE = /^[A-Za-z0-9_-]{43}$/;
/** Session ids are UUIDs (both stores); anything else cannot name a session. */
const SESSION_ID_RE = /^[A-Za-z0-9-]{1,64}$/;

export interface ParsedRefreshToken {
  sessionId: string;
  secret: string;
}

export const newRefreshSecret = (): string => randomBytes(SECRET_BYTES).toString('base64url');

export const formatRefreshToken = (sessionId: string, secret: string): string => `${sessionId}.${secret}`;

/** null for anything that is not `<session id>.<43 base64url characters>`. */
export function parseRefreshToken(token: string): ParsedRefreshToken | null {
  const dot = token.indexOf('.');
  if (dot < 0) return null;
  const sessionId = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  return SESSION_ID_RE.test(sessionId) && SECRET_RE.test(secret) ? { sessionId, secret } : null;
}

/** What the store keeps of a secret. A fast hash is enough: the secret has 256 random bits. */
export const hashRefreshSecret = (secret: string): string => createHash('sha256').update(secret).digest('base64url');

/**
 * The key successors are derived with, from the JWT secret, so every node that verifies
 * the same access tokens derives the same successors (and there is no second secret to share).
 */
export function deriveRefreshKey(jwtSecret: string): Buffer {
  return createHmac('sha256', jwtSecret).update('pigeon refresh v1').digest();
}

/** The deterministic successor of a presented secret. */
export function successorSecret(refreshKey: Buffer, secret: string): string {
  return createHmac('sha256', refreshKey).update(secret).digest('base64url');
}
