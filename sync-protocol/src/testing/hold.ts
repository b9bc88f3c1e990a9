/**
 * A barrier on the in-memory server: the calls a test selects are answered (computed when
 * they arrive) only when the test calls `release()`. For tests that must act while a
 * request is in flight, instead of sleeping and hoping.
 */
import type { Interceptor, ServerCall } from './memory-types.ts';

/** Held answers: computed when the call arrives, delivered on `release()`. */
export interface Hold {
  /** Calls held so far. */
  readonly count: number;
  /** Resolves when the first call is held. */
  readonly reached: Promise<void>;
  /** Delivers every held answer, and stops holding. */
  release(): void;
}

/** Installs the barrier with `intercept` (which returns its own removal). */
export function createHold(intercept: (interceptor: Interceptor) => () => void, match: (call: ServerCall) => boolean): Hold {
  let count = 0;
  let release!: () => void;
  let reached!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const hold: Hold = {
    reached: new Promise<void>((r) => (reached = r)),
    release: () => {
      remove();
      release();
    },
    get count() {
      return count;
    },
  };
  const remove = intercept(async (call, next) => {
    if (!match(call)) return next();
    const answer = next().then((value) => ({ value }), (error: unknown) => ({ error }));
    await answer;
    count++;
    reached();
    await released;
    const outcome = await answer;
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  });
  return hold;
}
