/**
 * The real server's per-user send limit (server/src/limits/send-limit.ts): a fixed
 * window that opens at the user's first send and admits `limit` sends until it
 * closes `windowMs` later. 0 turns it off. Kept in step with the server so that
 * engine tests against the in-memory server see the same refusals.
 */
export interface SendRate {
  /** Counts one send; false when the user's window is used up. */
  tryTake(userId: string): boolean;
}

export function createSendRate(limit: number, windowMs: number, now: () => number = Date.now): SendRate {
  if (limit <= 0) return { tryTake: () => true };
  const windows = new Map<string, { count: number; endsAt: number }>();
  return {
    tryTake(userId) {
      const t = now();
      let w = windows.get(userId);
      if (!w || w.endsAt <= t) {
        w = { count: 0, endsAt: t + windowMs };
        windows.set(userId, w);
      }
      if (w.count >= limit) return false;
      w.count += 1;
      return true;
    },
  };
}
