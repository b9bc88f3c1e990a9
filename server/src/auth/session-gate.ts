import { PigeonError } from '@pigeon/sync-protocol';
import type { SessionRecord, Store } from '../store/store.ts';
import { BoundedLru } from '../util/lru.ts';
import type { AccessClaims, TokenService } from './tokens.ts';

/** Sessions remembered per node; past it the least recently used is read again when next seen. */
export const SESSION_CACHE_MAX = 100_000;

/** What this node believes about a session. */
type SessionState = { live: true; userId: string; expiresAtMs: number } | { live: false };

const ENDED: SessionState = { live: false };

export interface SessionGateOptions {
  maxEntries?: number;
  now?: () => number;
}

/**
 * The one owner of "is this access token still good": the JWT's signature and expiry
 * (TokenService), then its session — neither revoked nor expired, and the token's user's.
 * REST (middleware/auth.ts) and the Socket.io handshake (realtime/gateway.ts) both ask here.
 *
 * The session's state is cached per session id for one access-token lifetime, so a node
 * reads the store once per session per token lifetime, not once per request; concurrent
 * misses share that one read. Revocations reach the cache directly (`markRevoked`, from
 * this node or, through Socket.io's server-side events, from the others), so a revoked
 * session is refused at once. A revocation this node never heard of (e.g. Redis was down)
 * is noticed when the entry runs out: at most one access-token lifetime late, which is
 * also how long a token that was never checked here could have lived anyway.
 */
export class SessionGate {
  private readonly states: BoundedLru<string, SessionState>;
  private readonly reads = new Map<string, Promise<SessionState>>();
  /** The refresh-token generation this node last recorded as used, per session. */
  private readonly marked: BoundedLru<string, string>;
  private readonly now: () => number;

  constructor(
    private readonly tokens: TokenService,
    private readonly store: Pick<Store, 'getSession' | 'markSessionUsed'>,
    options: SessionGateOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.states = new BoundedLru(options.maxEntries ?? SESSION_CACHE_MAX, tokens.ttlSeconds * 1000, this.now);
    this.marked = new BoundedLru(options.maxEntries ?? SESSION_CACHE_MAX, tokens.ttlSeconds * 1000, this.now);
  }

  /** The token's claims, or PigeonError UNAUTHENTICATED (UNAVAILABLE when the store cannot answer). */
  async authenticate(token: string | undefined | null): Promise<AccessClaims> {
    const claims = await this.tokens.verify(token);
    const state = await this.stateOf(claims.sessionId);
    // A session of another user can only be named by a token signed with our key; refuse it all the same.
    if (!state.live || state.userId !== claims.userId || state.expiresAtMs <= this.now()) {
      throw new PigeonError('UNAUTHENTICATED', 'session ended');
    }
    if (claims.generation) await this.markUsed(claims.sessionId, claims.generation);
    return claims;
  }

  /**
   * Records, once per generation per node, that an access token of this refresh-token
   * generation was used, so a replaced refresh token presented later can be told from a
   * retry after a lost answer (auth/sessions.ts). Awaited, so once a request with a token
   * has succeeded its use is on record (one write per session per refresh per node, about
   * every half access-token lifetime). A failed write does not fail the request: it is
   * tried again on the next one.
   */
  private async markUsed(sessionId: string, generation: string): Promise<void> {
    if (this.marked.get(sessionId) === generation) return;
    this.marked.set(sessionId, generation);
    try {
      await this.store.markSessionUsed(sessionId, generation, new Date(this.now()).toISOString());
    } catch {
      if (this.marked.get(sessionId) === generation) this.marked.delete(sessionId);
    }
  }

  /** This node's knowledge only, no I/O: whether the session is known to be revoked. */
  isRevoked(sessionId: string): boolean {
    return this.states.get(sessionId)?.live === false;
  }

  /** The session was revoked (here or on another node): refuse its tokens from now on. */
  markRevoked(sessionId: string): void {
    this.states.set(sessionId, ENDED);
  }

  private async stateOf(sessionId: string): Promise<SessionState> {
    const known = this.states.get(sessionId);
    if (known) return known;
    let read = this.reads.get(sessionId);
    if (!read) {
      read = this.store
        .getSession(sessionId)
        .then((session) => {
          // A revocation that arrived while the read ran wins over what the read saw.
          const meanwhile = this.states.get(sessionId);
          if (meanwhile) return meanwhile;
          const state = stateOf(session);
          this.states.set(sessionId, state);
          return state;
        })
        .finally(() => this.reads.delete(sessionId));
      this.reads.set(sessionId, read);
    }
    const state = await read;
    return this.isRevoked(sessionId) ? ENDED : state;
  }
}

function stateOf(session: SessionRecord | null): SessionState {
  if (!session || session.revokedAt !== null) return ENDED;
  return { live: true, userId: session.userId, expiresAtMs: Date.parse(session.expiresAt) };
}
