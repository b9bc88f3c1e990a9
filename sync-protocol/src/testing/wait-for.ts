/**
 * Polls `check` until it returns a truthy value (which it resolves with) or the deadline
 * passes, then throws with `describe()` (or the last error `check` threw). For conditions
 * on state the engine reaches asynchronously; prefer a `hold()` or an event when the
 * test must act at one precise moment.
 *
 * The default deadline (WAIT_FOR_DEFAULT_MS) is shorter than the unit project's 30 s test
 * timeout: a wait that never ends fails with its own description, not as a bare test timeout
 * that does not say which step was waiting (engine/scenarios/management.test.ts once did).
 */
export const WAIT_FOR_DEFAULT_MS = 20_000;

export async function waitFor<T>(
  check: () => T | Promise<T>,
  { timeoutMs = WAIT_FOR_DEFAULT_MS, intervalMs = 25, describe }: { timeoutMs?: number; intervalMs?: number; describe?: () => unknown | Promise<unknown> } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const detail = describe ? await describe() : lastError;
      throw new Error(`waitFor: condition not met within ${timeoutMs} ms: ${typeof detail === 'string' ? detail : JSON.stringify(detail, null, 1)?.slice(0, 4000)}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
