/**
 * Typing indicators: the one owner of the client's typing policy. The UI only
 * reports input (`setTyping(to, true)` on each edit, `false` on blur, an empty
 * draft or send); every duration is derived here from the server's typing TTL.
 *
 *   outgoing, per peer                     incoming, per typist
 *   input ─▶ `typing` unless one was       `typing` ─▶ surface true; expires after
 *            sent < renewMs ago            expireMs without a renewal
 *   no input for idleMs, or stop ─▶        `typing-stopped`, a message from them,
 *            `typing-stopped` (if a        or our connection lost ─▶ surface false
 *            `typing` was sent)            (once)
 *
 * renewMs < the server's TTL keeps its state alive while the user types; expiring
 * incoming states ourselves means a typist whose stop was lost (or whose device
 * vanished) does not type forever on our screen.
 */
import { LIMITS } from '../limits.ts';

export interface TypingTimings {
  /** Minimum gap between two `typing` emits to one peer while typing goes on. */
  renewMs: number;
  /** Input pauses longer than this end the user's typing state. */
  idleMs: number;
  /** An incoming typing state not renewed for this long ends by itself. */
  expireMs: number;
}

/**
 * Every typing duration, from the server's TTL (5 s: renew 3 s, idle 4 s, expire 5 s).
 * `renewMs` may be overridden (a test server with a short TTL).
 */
export function typingTimings(ttlMs: number = LIMITS.typingTtlMs, renewMs?: number): TypingTimings {
  return { renewMs: renewMs ?? Math.floor(ttlMs * 0.6), idleMs: Math.floor(ttlMs * 0.8), expireMs: ttlMs };
}

/** Pure: whether an input at `now` should (re)send `typing`. */
export const shouldRenewTyping = (lastSentAt: number | undefined, now: number, renewMs: number): boolean =>
  lastSentAt === undefined || now - lastSentAt >= renewMs;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface TypingEventPayload {
  from: string;
  conversationId: string;
  typing: boolean;
}

/**
 * The key of typing in a conversation (a group, or a 1:1 conversation by id), beside a peer's user
 * id: the policy is the same, only the emit differs (`{ conversationId }` instead of `{ to }`).
 */
const CONVERSATION = 'conversation:';
export const conversationTarget = (conversationId: string): string => CONVERSATION + conversationId;
export const parseTarget = (target: string): { conversationId: string } | { to: string } =>
  target.startsWith(CONVERSATION) ? { conversationId: target.slice(CONVERSATION.length) } : { to: target };

export interface TypingDeps {
  emit: (to: string, typing: boolean) => void;
  /** Whether an emit can reach the server now (started and connected). */
  canEmit: () => boolean;
  surface: (event: TypingEventPayload) => void;
  timings?: TypingTimings;
  clock?: Clock;
}

export class Typing {
  /** Peers we told we are typing: when, and the idle timer that will stop it. */
  private readonly outgoing = new Map<string, { sentAt: number; idle: unknown }>();
  /** Typists shown as typing, with the timer that expires them. */
  private readonly incoming = new Map<string, { conversationId: string; expiry: unknown }>();
  private readonly timings: TypingTimings;
  private readonly clock: Clock;

  constructor(private readonly deps: TypingDeps) {
    this.timings = deps.timings ?? typingTimings();
    this.clock = deps.clock ?? realClock;
  }

  /** The user typed (`true`) or stopped (`false`: blur, empty draft, sent). */
  input(to: string, typing: boolean): void {
    if (!typing) return this.stop(to);
    // Offline nothing reaches the peer; the first input after the reconnect sends.
    if (!this.deps.canEmit()) return;
    const now = this.clock.now();
    const current = this.outgoing.get(to);
    if (current) this.clock.clearTimeout(current.idle);
    const renew = shouldRenewTyping(current?.sentAt, now, this.timings.renewMs);
    if (renew) this.deps.emit(to, true);
    this.outgoing.set(to, {
      sentAt: renew ? now : (current?.sentAt ?? now),
      idle: this.clock.setTimeout(() => this.stop(to), this.timings.idleMs),
    });
  }

  /** A `typing` (true) or `typing-stopped` (false) event from the server. */
  received(event: { from: string; conversationId: string }, typing: boolean): void {
    if (!typing) return this.end(event.from);
    const current = this.incoming.get(event.from);
    if (current) this.clock.clearTimeout(current.expiry);
    this.incoming.set(event.from, {
      conversationId: event.conversationId,
      expiry: this.clock.setTimeout(() => this.end(event.from), this.timings.expireMs),
    });
    this.deps.surface({ ...event, typing: true });
  }

  /** A message from `senderId` arrived: what they typed is sent, so they stopped. */
  messageFrom(senderId: string): void {
    this.end(senderId);
  }

  /** We no longer hear from `from` (we blocked them): what they were typing is not shown any more. */
  forget(from: string): void {
    this.end(from);
  }

  /**
   * The connection is gone (dropped, network off, stopped): a stop sent meanwhile would
   * be missed, and the server drops our own typing states with our last socket.
   */
  connectionLost(): void {
    for (const { idle } of this.outgoing.values()) this.clock.clearTimeout(idle);
    this.outgoing.clear();
    for (const from of [...this.incoming.keys()]) this.end(from);
  }

  private stop(to: string): void {
    const current = this.outgoing.get(to);
    if (!current) return; // never told the peer: nothing to stop
    this.clock.clearTimeout(current.idle);
    this.outgoing.delete(to);
    this.deps.emit(to, false);
  }

  private end(from: string): void {
    const current = this.incoming.get(from);
    if (!current) return;
    this.clock.clearTimeout(current.expiry);
    this.incoming.delete(from);
    this.deps.surface({ from, conversationId: current.conversationId, typing: false });
  }
}
