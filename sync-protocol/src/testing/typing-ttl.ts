/**
 * The real server's typing states (server/src/realtime/typing.ts): one per
 * (from → to) pair, stopped by `typing-stopped`, by the typist's last connection
 * closing, or after `ttlMs` without a renewal. A renewal is forwarded only when
 * the last forward is older than half the TTL.
 */
export type TypingForward = (from: string, to: string, event: 'typing' | 'typing-stopped') => void;

export interface TypingTtl {
  start(from: string, to: string): void;
  stop(from: string, to: string): void;
  stopAllFrom(from: string): void;
  /** Forgets every state without forwarding anything. */
  clear(): void;
}

export function createTypingTtl(ttlMs: number, forward: TypingForward): TypingTtl {
  const active = new Map<string, { from: string; to: string; timer: ReturnType<typeof setTimeout>; forwardedAt: number }>();
  const keyOf = (from: string, to: string) => `${from}\n${to}`;
  const stop = (from: string, to: string) => {
    const state = active.get(keyOf(from, to));
    if (!state) return;
    clearTimeout(state.timer);
    active.delete(keyOf(from, to));
    forward(from, to, 'typing-stopped');
  };
  return {
    start(from, to) {
      const key = keyOf(from, to);
      const current = active.get(key);
      if (current) clearTimeout(current.timer);
      const now = Date.now();
      const renew = !current || now - current.forwardedAt >= ttlMs / 2;
      active.set(key, { from, to, timer: setTimeout(() => stop(from, to), ttlMs), forwardedAt: renew ? now : current.forwardedAt });
      if (renew) forward(from, to, 'typing');
    },
    stop,
    stopAllFrom(from) {
      for (const state of [...active.values()]) if (state.from === from) stop(state.from, state.to);
    },
    clear() {
      for (const state of active.values()) clearTimeout(state.timer);
      active.clear();
    },
  };
}
