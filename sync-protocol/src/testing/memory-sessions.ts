/**
 * Sessions and tokens of the in-memory server, with the real server's rules (docs/api.md,
 * contract "Sessions"):
 *  - sign-in opens a session and returns an access token and a refresh token;
 *  - the access token is JWT-shaped (`header.payload.signature`, payload `{ sub, sid, iat, exp }`)
 *    so a device reads its expiry as it does the real one's, and lives `accessTokenTtlMs`;
 *    it is refused once expired or once its session is revoked;
 *  - a refresh token works once: it returns a new pair and becomes the session's previous
 *    token. Presented again it returns the same successor while nobody has used the
 *    successor's access token (the answer was lost) or within `reuseWindowMs` (two tabs
 *    racing); otherwise it revokes the session (a replayed token is taken for a stolen one);
 *  - logout and revocation end a session: its tokens are refused from then on.
 * The signature is not checked by anybody: this is test data.
 */
import { toBase64Url } from '../base64url.ts';
import type { SessionInfo } from '../rest/auth.ts';
import { fail } from './fail.ts';

export interface MemorySessionOptions {
  accessTokenTtlMs: number;
  reuseWindowMs: number;
}

/** Who a request comes from. */
export interface Caller {
  userId: string;
  sessionId: string;
}

export interface TokenPair {
  token: string;
  refreshToken: string;
}

interface SessionRecord {
  id: string;
  userId: string;
  userAgent: string;
  createdAt: string;
  lastSeenAt: string;
  refreshToken: string;
  /** Whether an access token issued with the current refresh token has been used. */
  currentUsed: boolean;
  /** The refresh token before the last rotation, and what it was exchanged for. */
  previous: { refreshToken: string; successor: TokenPair; rotatedAt: number } | null;
  revoked: boolean;
}

const HEADER = toBase64Url(JSON.stringify({ alg: 'none', typ: 'JWT' }));

export class MemorySessions {
  private readonly sessions = new Map<string, SessionRecord>();
  /** access token → its session and expiry (ms). */
  private readonly access = new Map<string, { sessionId: string; expiresAt: number; generation: string }>();
  private issued = 0;

  constructor(private readonly options: MemorySessionOptions) {}

  /** Opens a session for `userId` (register, login). */
  open(userId: string, userAgent = 'memory-transport'): TokenPair {
    const id = `session-${this.sessions.size + 1}`;
    const now = new Date().toISOString();
    const record: SessionRecord = { id, userId, userAgent, createdAt: now, lastSeenAt: now, refreshToken: '', currentUsed: false, previous: null, revoked: false };
    this.sessions.set(id, record);
    return this.issue(record);
  }

  /** The caller an access token stands for; null when unknown, expired or revoked. */
  authenticate(token: string | null): Caller | null {
    const access = token ? this.access.get(token) : undefined;
    if (!access || access.expiresAt <= Date.now()) return null;
    const session = this.sessions.get(access.sessionId);
    if (!session || session.revoked) return null;
    session.lastSeenAt = new Date().toISOString();
    if (access.generation === session.refreshToken) session.currentUsed = true;
    return { userId: session.userId, sessionId: session.id };
  }

  /** POST /api/auth/refresh: rotation with the reuse window; UNAUTHENTICATED otherwise. */
  refresh(refreshToken: string): TokenPair {
    for (const session of this.sessions.values()) {
      if (session.revoked) continue;
      if (session.refreshToken === refreshToken) return this.issue(session, refreshToken);
      const previous = session.previous;
      if (previous?.refreshToken === refreshToken) {
        if (!session.currentUsed || Date.now() - previous.rotatedAt <= this.options.reuseWindowMs) return previous.successor;
        session.revoked = true;
        break;
      }
    }
    throw fail('UNAUTHENTICATED', 'invalid or expired refresh token');
  }

  /** Ends a session: its access and refresh tokens are refused from now on. */
  revoke(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (session) session.revoked = true;
  }

  /** Every session ends (as if the server's key and session table were replaced). */
  revokeAll(): void {
    for (const session of this.sessions.values()) session.revoked = true;
  }

  /** Every access token issued so far is expired; refresh tokens still work. */
  expireAccessTokens(): void {
    for (const access of this.access.values()) access.expiresAt = 0;
  }

  /** GET /api/sessions: the user's live sessions, most recently seen first, `current` for the caller's. */
  list(userId: string, currentSessionId: string | null): SessionInfo[] {
    return [...this.sessions.values()]
      .filter((s) => s.userId === userId && !s.revoked)
      .sort((a, b) => (a.lastSeenAt === b.lastSeenAt ? b.createdAt.localeCompare(a.createdAt) : b.lastSeenAt.localeCompare(a.lastSeenAt)))
      .map(({ id, userAgent, createdAt, lastSeenAt }) => ({ id, userAgent, createdAt, lastSeenAt, current: id === currentSessionId }));
  }

  private issue(session: SessionRecord, rotated?: string): TokenPair {
    const n = ++this.issued;
    const now = Date.now();
    const expiresAt = now + this.options.accessTokenTtlMs;
    // Seconds as in a JWT; fractional, so a test's token of 1.5 s reads as 1.5 s on the device.
    const payload = toBase64Url(JSON.stringify({ sub: session.userId, sid: session.id, iat: now / 1000, exp: expiresAt / 1000, jti: n }));
    const pair: TokenPair = { token: `${HEADER}.${payload}.memory-${n}`, refreshToken: `refresh-${n}-${session.id}` };
    this.access.set(pair.token, { sessionId: session.id, expiresAt, generation: pair.refreshToken });
    if (rotated) session.previous = { refreshToken: rotated, successor: pair, rotatedAt: now };
    session.refreshToken = pair.refreshToken;
    session.currentUsed = false;
    return pair;
  }
}
