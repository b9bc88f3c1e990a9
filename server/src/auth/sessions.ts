import { PigeonError, type SessionInfo } from '@pigeon/sync-protocol';
import type { Logger } from '../log.ts';
import type { SessionRecord, Store } from '../store/store.ts';
import { formatRefreshToken, hashRefreshSecret, newRefreshSecret, parseRefreshToken, successorSecret } from './refresh-token.ts';
import type { TokenService } from './tokens.ts';

/**
 * How long after a rotation the refresh token it replaced still works, answering the same
 * successor, even though the successor is already in use. Two tabs of one browser share a
 * refresh token and may both refresh at once; the one that loses the race must not look
 * like a thief replaying a stolen token. Past this window, once the successor's access
 * tokens have been used, a replayed token is treated as stolen: the session is revoked.
 * (While nobody has used the successor, the replaced token keeps working at any age: that
 * is the device whose answer was lost, retrying, perhaps after hours offline.)
 */
export const REFRESH_REUSE_GRACE_MS = 30_000;

/** User-Agent headers are kept at most this long (characters). */
export const USER_AGENT_MAX = 256;

export interface SessionTokens {
  /** Access token (JWT). */
  token: string;
  refreshToken: string;
}

export interface SessionServiceOptions {
  store: Pick<Store, 'createSession' | 'rotateSession' | 'revokeSession' | 'listSessions'>;
  tokens: TokenService;
  /** deriveRefreshKey(jwt secret): successors of refresh secrets are HMACs under it. */
  refreshKey: Buffer;
  /** Sliding lifetime of a session's refresh token, seconds (config.refreshTokenTtlSeconds). */
  refreshTtlSeconds: number;
  /** REFRESH_REUSE_GRACE_MS unless a test shortens it. */
  reuseGraceMs?: number;
  /** After a session was revoked in the store: tell the gates and end its sockets, on every node. */
  onRevoked(sessionId: string): void;
  log: Logger;
  now?: () => number;
}

const unauthenticated = () => new PigeonError('UNAUTHENTICATED', 'invalid or expired refresh token');

/**
 * Sessions: one per sign-in (device), each with a rotating refresh token. Register and
 * login `start` one; `refresh` trades a refresh token for a new access token and the next
 * refresh token; `revoke` ends one (logout, DELETE /api/sessions/:id, reuse detection).
 */
export class SessionService {
  private readonly graceMs: number;
  private readonly now: () => number;

  constructor(private readonly o: SessionServiceOptions) {
    this.graceMs = o.reuseGraceMs ?? REFRESH_REUSE_GRACE_MS;
    this.now = o.now ?? Date.now;
  }

  async start(userId: string, userAgent: string | undefined): Promise<SessionTokens> {
    const secret = newRefreshSecret();
    const at = this.now();
    const session = await this.o.store.createSession({
      userId,
      // Headers are byte strings, so slicing cannot split a character.
      userAgent: (userAgent ?? '').slice(0, USER_AGENT_MAX),
      refreshHash: hashRefreshSecret(secret),
      createdAt: new Date(at).toISOString(),
      expiresAt: this.expiryFrom(at),
    });
    return this.tokensFor(session, secret);
  }

  /**
   * Rotation by compare-and-set on the presented secret's hash. The successor is derived
   * from the presented secret, so a second presentation of the replaced token can be
   * answered with the same successor. That is right when nobody has used the successor
   * yet (the answer to the first presentation was lost on the way: a mobile connection
   * dropped mid-response, and the device may come back much later) and within the grace
   * window (the other tab). A replaced token presented after its successor's access tokens
   * were used, past the window, means the token was copied: the session ends for everyone
   * holding it.
   */
  async refresh(refreshToken: string): Promise<SessionTokens> {
    const parsed = parseRefreshToken(refreshToken);
    if (!parsed) throw unauthenticated();
    const next = successorSecret(this.o.refreshKey, parsed.secret);
    const nextHash = hashRefreshSecret(next);
    const at = this.now();
    const outcome = await this.o.store.rotateSession({
      sessionId: parsed.sessionId,
      presentedHash: hashRefreshSecret(parsed.secret),
      nextHash,
      at: new Date(at).toISOString(),
      expiresAt: this.expiryFrom(at),
    });
    if (outcome.kind === 'rotated') return this.tokensFor(outcome.session, next);
    if (outcome.kind === 'mismatch') throw unauthenticated();

    const session = outcome.session;
    // The current hash is the successor of the presented one unless it rotated again since.
    const sinceRotation = at - Date.parse(session.rotatedAt ?? session.createdAt);
    const successorUnused = session.currentUsedAt === null;
    if (session.refreshHash === nextHash && (successorUnused || sinceRotation < this.graceMs)) return this.tokensFor(session, next);
    const sinceUse = successorUnused ? null : at - Date.parse(session.currentUsedAt!);
    this.o.log.warn({ sessionId: session.id, userId: session.userId, sinceRotation, sinceUse }, 'refresh token reused: session revoked');
    await this.revoke(session.userId, session.id);
    throw unauthenticated();
  }

  /** Ends the user's session everywhere; false when it is not theirs or not live. */
  async revoke(userId: string, sessionId: string): Promise<boolean> {
    const revoked = await this.o.store.revokeSession(userId, sessionId, new Date(this.now()).toISOString());
    // Only when it was this user's live session: anything else must not touch another user's session.
    if (revoked) this.o.onRevoked(sessionId);
    return revoked;
  }

  async list(userId: string, currentSessionId: string): Promise<SessionInfo[]> {
    const sessions = await this.o.store.listSessions(userId, new Date(this.now()).toISOString());
    return sessions.map((s) => ({
      id: s.id,
      userAgent: s.userAgent,
      createdAt: s.createdAt,
      lastSeenAt: s.lastSeenAt,
      current: s.id === currentSessionId,
    }));
  }

  private async tokensFor(session: SessionRecord, secret: string): Promise<SessionTokens> {
    return {
      token: await this.o.tokens.issue(session.userId, session.id, session.refreshHash),
      refreshToken: formatRefreshToken(session.id, secret),
    };
  }

  private expiryFrom(at: number): string {
    return new Date(at + this.o.refreshTtlSeconds * 1000).toISOString();
  }
}
