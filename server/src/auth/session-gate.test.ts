import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../store/store.ts';
import { SessionGate } from './session-gate.ts';
import { createTokenService } from './tokens.ts';

const TTL_SECONDS = 60;
const tokens = createTokenService('gate-test-secret-gate-test-secret', TTL_SECONDS);

function session(id: string, userId: string, over: Partial<SessionRecord> = {}): SessionRecord {
  const now = new Date().toISOString();
  return {
    id, userId, userAgent: '', createdAt: now, lastSeenAt: now,
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    revokedAt: null, refreshHash: 'h', previousRefreshHash: null, rotatedAt: null, currentUsedAt: null, ...over,
  };
}

/** A store holding some sessions, counting reads; `hold()` keeps the next reads pending until released. */
function fakeStore(sessions: SessionRecord[]) {
  const byId = new Map(sessions.map((s) => [s.id, s]));
  let gate: Promise<void> = Promise.resolve();
  const store = {
    reads: 0,
    getSession: async (id: string) => {
      store.reads++;
      await gate;
      return byId.get(id) ?? null;
    },
    hold() {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = Promise.resolve();
        release();
      };
    },
    set: (s: SessionRecord) => byId.set(s.id, s),
    marks: [] as string[],
    failMarks: false,
    markSessionUsed: async (id: string, hash: string) => {
      store.marks.push(`${id}:${hash}`);
      if (store.failMarks) throw new Error('down');
    },
  };
  return store;
}

describe('SessionGate', () => {
  it('lets a token of a live session through, with one store read per session per token lifetime', async () => {
    let now = Date.now();
    const store = fakeStore([session('s1', 'u1'), session('s2', 'u1')]);
    const gate = new SessionGate(tokens, store, { now: () => now });
    const t1 = await tokens.issue('u1', 's1');
    for (let i = 0; i < 5; i++) expect(await gate.authenticate(t1)).toEqual({ userId: 'u1', sessionId: 's1' });
    expect(store.reads).toBe(1);
    await gate.authenticate(await tokens.issue('u1', 's2'));
    expect(store.reads).toBe(2);
    // Once a token lifetime has passed, the session is read again (a missed revocation shows up then).
    now += TTL_SECONDS * 1000;
    await gate.authenticate(t1);
    expect(store.reads).toBe(3);
  });

  it('concurrent checks of an unknown session share one store read', async () => {
    const store = fakeStore([session('s1', 'u1')]);
    const gate = new SessionGate(tokens, store);
    const token = await tokens.issue('u1', 's1');
    const release = store.hold();
    const checks = Array.from({ length: 20 }, () => gate.authenticate(token));
    await new Promise((r) => setTimeout(r, 10));
    release();
    await Promise.all(checks);
    expect(store.reads).toBe(1);
  });

  it('refuses unknown, revoked, expired and other users’ sessions as UNAUTHENTICATED', async () => {
    const store = fakeStore([
      session('revoked', 'u1', { revokedAt: new Date().toISOString() }),
      session('expired', 'u1', { expiresAt: new Date(Date.now() - 1000).toISOString() }),
      session('theirs', 'u2'),
    ]);
    const gate = new SessionGate(tokens, store);
    for (const [user, sid] of [['u1', 'unknown'], ['u1', 'revoked'], ['u1', 'expired'], ['u1', 'theirs']] as const) {
      await expect(gate.authenticate(await tokens.issue(user, sid)), sid).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    }
    await expect(gate.authenticate('garbage')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    // A garbled token costs no store read.
    expect(store.reads).toBe(4);
  });

  it('markRevoked refuses a cached session at once, without a store read', async () => {
    const store = fakeStore([session('s1', 'u1')]);
    const gate = new SessionGate(tokens, store);
    const token = await tokens.issue('u1', 's1');
    await gate.authenticate(token);
    expect(gate.isRevoked('s1')).toBe(false);
    gate.markRevoked('s1');
    expect(gate.isRevoked('s1')).toBe(true);
    await expect(gate.authenticate(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(store.reads).toBe(1);
  });

  it('a revocation that arrives while the session is being read wins over what the read returns', async () => {
    const store = fakeStore([session('s1', 'u1')]);
    const gate = new SessionGate(tokens, store);
    const token = await tokens.issue('u1', 's1');
    const release = store.hold();
    const check = gate.authenticate(token);
    await new Promise((r) => setTimeout(r, 10));
    gate.markRevoked('s1');
    release();
    await expect(check).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(gate.authenticate(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('a store failure is not cached: the next check reads again', async () => {
    const store = fakeStore([session('s1', 'u1')]);
    let fail = true;
    const gate = new SessionGate(tokens, {
      getSession: async (id) => {
        if (fail) throw Object.assign(new Error('down'), { code: 'UNAVAILABLE' });
        return store.getSession(id);
      },
      markSessionUsed: store.markSessionUsed,
    });
    const token = await tokens.issue('u1', 's1');
    await expect(gate.authenticate(token)).rejects.toThrow('down');
    fail = false;
    expect(await gate.authenticate(token)).toEqual({ userId: 'u1', sessionId: 's1' });
  });

  it('stays bounded: past maxEntries the least recently used session is forgotten (and read again)', async () => {
    const store = fakeStore(['a', 'b', 'c'].map((id) => session(id, 'u1')));
    const gate = new SessionGate(tokens, store, { maxEntries: 2 });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((id) => tokens.issue('u1', id)));
    await gate.authenticate(a!);
    await gate.authenticate(b!);
    await gate.authenticate(c!); // forgets a
    expect(store.reads).toBe(3);
    await gate.authenticate(c!);
    await gate.authenticate(a!);
    expect(store.reads).toBe(4);
  });

  it('records the first use of each refresh-token generation once per node; a failed record does not fail the request and is tried again', async () => {
    const store = fakeStore([session('s1', 'u1')]);
    const gate = new SessionGate(tokens, store);
    const g1 = await tokens.issue('u1', 's1', 'gen-1');
    expect(await gate.authenticate(g1)).toEqual({ userId: 'u1', sessionId: 's1', generation: 'gen-1' });
    await gate.authenticate(g1);
    expect(store.marks).toEqual(['s1:gen-1']);
    store.failMarks = true;
    const g2 = await tokens.issue('u1', 's1', 'gen-2');
    await gate.authenticate(g2);
    store.failMarks = false;
    await gate.authenticate(g2);
    await gate.authenticate(g2);
    expect(store.marks).toEqual(['s1:gen-1', 's1:gen-2', 's1:gen-2']);
    // Tokens without the claim (issued before it existed) are not recorded.
    await gate.authenticate(await tokens.issue('u1', 's1'));
    expect(store.marks).toHaveLength(3);
  });
});
