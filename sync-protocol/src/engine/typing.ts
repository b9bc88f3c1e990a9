/**
 * Typing indicators. Outgoing: `typing` is throttled to one emit per `renewMs` per peer
 * (the server forgets a typing state after LIMITS.typingTtlMs, so renewing a little
 * before that keeps it alive while the user types), and `typing-stopped` is sent only
 * if a `typing` was. Incoming: each `typing` arms an expiry, so a peer that vanished
 * mid-word does not type forever on our screen.
 */
import { LIMITS } from '../limits.ts';

export interface TypingDeps {
  emit: (to: string, typing: boolean) => void;
  surface: (event: { from: string; conversationId: string; typing: boolean }) => void;
  renewMs?: number;
  ttlMs?: number;
  now?: () => number;
}

/** Pure: whether a keystroke at `now` should (re)send `typing`. */
export const shouldRenewTyping = (lastSentAt: number | undefined, now: number, renewMs: number): boolean =>
  lastSentAt === undefined || now - lastSentAt >= renewMs;

export class Typing {
  private readonly sentAt = new Map<string, number>();
  private readonly expiries = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly renewMs: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly deps: TypingDeps) {
    this.ttlMs = deps.ttlMs ?? LIMITS.typingTtlMs;
    this.renewMs = deps.renewMs ?? Math.floor(this.ttlMs * 0.6);
    this.now = deps.now ?? Date.now;
  }

  set(to: string, typing: boolean): void {
    const last = this.sentAt.get(to);
    if (typing) {
      const now = this.now();
      if (!shouldRenewTyping(last, now, this.renewMs)) return;
      this.sentAt.set(to, now);
      this.deps.emit(to, true);
    } else if (last !== undefined) {
      this.sentAt.delete(to);
      this.deps.emit(to, false);
    }
  }

  received(event: { from: string; conversationId: string }, typing: boolean): void {
    const pending = this.expiries.get(event.from);
    if (pending) clearTimeout(pending);
    this.expiries.delete(event.from);
    if (typing) {
      this.expiries.set(
        event.from,
        setTimeout(() => {
          this.expiries.delete(event.from);
          this.deps.surface({ ...event, typing: false });
        }, this.ttlMs),
      );
    }
    this.deps.surface({ ...event, typing });
  }

  clear(): void {
    for (const timer of this.expiries.values()) clearTimeout(timer);
    this.expiries.clear();
    this.sentAt.clear();
  }
}
