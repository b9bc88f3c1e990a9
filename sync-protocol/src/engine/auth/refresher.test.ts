import { describe, expect, it } from 'vitest';
import type { RefreshResponse } from '../../rest/auth.ts';
import type { Session } from '../local/session.ts';
import { Refresher } from './refresher.ts';

/** One engine's session store, in memory: what the refresher reads, stores and adopts. */
function harness() {
  let current: Session | null = { userId: 'u1', token: 'a1', refreshToken: 'r1', receivedAt: 0 };
  const calls: string[] = [];
  /** Answers of POST /api/auth/refresh, in call order; a call beyond them never answers (a stalled connection). */
  const answers: Array<() => Promise<RefreshResponse>> = [];
  const refresher = new Refresher({
    current: () => current,
    load: async () => current,
    save: async (next) => (current = next),
    adopt: (session) => (current = session),
    refresh: (refreshToken) => {
      calls.push(refreshToken);
      return answers.shift()?.() ?? new Promise<RefreshResponse>(() => {});
    },
    end: () => (current = null),
    online: () => true,
    onError: () => {},
    backoff: { baseMs: 10, maxMs: 10 },
  });
  return {
    refresher,
    calls,
    answers,
    session: () => current,
    signIn: (session: Session) => (current = session),
  };
}

/** `p`'s value, or 'pending' if it has not settled within `ms`. */
const within = <T>(p: Promise<T>, ms = 200) => Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))]);

const pair = (token: string, refreshToken: string) => async () => ({ token, refreshToken }) as RefreshResponse;

describe('Refresher', () => {
  it('a refresh joins the running one: one request for two callers', async () => {
    const h = harness();
    h.answers.push(pair('a2', 'r2'));
    const [a, b] = await Promise.all([h.refresher.refresh(), h.refresher.refresh()]);
    expect([a, b]).toEqual([true, true]);
    expect(h.calls).toEqual(['r1']);
    expect(h.session()).toMatchObject({ token: 'a2', refreshToken: 'r2' });
  });

  it("a new session never waits on the stopped session's refresh (a stalled request from before an account switch)", async () => {
    const h = harness();
    const stale = h.refresher.refresh(); // its request stalls: no answer queued
    await within(stale, 20);
    // The account switches: the engine stops the refresher, the next session signs in.
    h.refresher.stop();
    h.signIn({ userId: 'u1', token: 'b1', refreshToken: 's1', receivedAt: 0 });
    h.answers.push(pair('b2', 's2'));
    // Its token refused (or its timer due): a refresh of its own, not the stalled one joined.
    expect(await within(h.refresher.refresh())).toBe(true);
    expect(h.calls).toEqual(['r1', 's1']);
    expect(h.session()).toMatchObject({ token: 'b2', refreshToken: 's2' });
  });
});
