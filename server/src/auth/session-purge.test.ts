import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import {
  ENDED_SESSION_RETENTION_MS,
  SESSION_PURGE_FIRST_DELAY_MS,
  SESSION_PURGE_INTERVAL_MS,
  startSessionPurge,
  type PurgeTimers,
  type SessionPurge,
} from './session-purge.ts';

const DAY = 24 * 3600_000;
const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** Timers that fire only when told to; `pending` is what is scheduled now. */
function fakeTimers() {
  let nextId = 0;
  const pending = new Map<number, { fn: () => void; ms: number }>();
  const scheduled: number[] = [];
  const timers: PurgeTimers = {
    setTimeout(fn, ms) {
      pending.set(++nextId, { fn, ms });
      scheduled.push(ms);
      return nextId;
    },
    clearTimeout(handle) {
      pending.delete(handle as number);
    },
  };
  /** Fires the one pending timer (there is never more than one). */
  const fire = () => {
    expect(pending.size).toBe(1);
    const [id, { fn }] = [...pending][0]!;
    pending.delete(id);
    fn();
  };
  return { timers, pending, scheduled, fire };
}

function fakeLog() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg: string) => void lines.push({ level, obj, msg });
  return { lines, log: { info: at('info'), debug: at('debug'), warn: at('warn') } as never };
}

/** Lets the purge's promise chain (store call, log, reschedule) run. */
const settle = () => new Promise((r) => setImmediate(r));

describe('session purge timer', () => {
  const started: SessionPurge[] = [];
  afterEach(async () => {
    for (const p of started.splice(0)) await p.close();
  });
  const start = (options: Parameters<typeof startSessionPurge>[0]) => {
    const purge = startSessionPurge(options);
    started.push(purge);
    return purge;
  };

  it('purges a minute after start, then every hour, with the cutoff a week before the clock', async () => {
    const t = fakeTimers();
    const { log, lines } = fakeLog();
    let now = T0;
    const cutoffs: string[] = [];
    const results = [2, 0];
    start({ store: { purgeSessions: async (c) => (cutoffs.push(c), results.shift() ?? 0) }, log, now: () => now, timers: t.timers });

    expect(t.scheduled).toEqual([SESSION_PURGE_FIRST_DELAY_MS]);
    expect(SESSION_PURGE_FIRST_DELAY_MS).toBe(60_000);
    expect(cutoffs).toEqual([]);

    now += SESSION_PURGE_FIRST_DELAY_MS;
    t.fire();
    await settle();
    expect(cutoffs).toEqual([iso(now - ENDED_SESSION_RETENTION_MS)]);
    expect(ENDED_SESSION_RETENTION_MS).toBe(7 * DAY);
    expect(t.scheduled).toEqual([60_000, SESSION_PURGE_INTERVAL_MS]);
    expect(SESSION_PURGE_INTERVAL_MS).toBe(3600_000);
    expect(lines).toEqual([{ level: 'info', obj: { deleted: 2, endedBefore: cutoffs[0] }, msg: 'ended sessions purged' }]);

    now += SESSION_PURGE_INTERVAL_MS;
    t.fire();
    await settle();
    expect(cutoffs[1]).toBe(iso(now - 7 * DAY));
    expect(lines[1]?.level).toBe('debug'); // nothing deleted: not worth an info line
    expect(t.scheduled).toEqual([60_000, 3600_000, 3600_000]);
  });

  it('a failing purge is logged at warn, never thrown, and the next one is still scheduled', async () => {
    const t = fakeTimers();
    const { log, lines } = fakeLog();
    const err = new Error('store down');
    let calls = 0;
    const purge = start({
      store: {
        purgeSessions: async () => {
          if (++calls === 1) throw err;
          return 1;
        },
      },
      log,
      now: () => T0,
      timers: t.timers,
    });
    t.fire();
    await settle();
    expect(lines).toEqual([{ level: 'warn', obj: { err, endedBefore: iso(T0 - 7 * DAY) }, msg: expect.stringContaining('failed') }]);
    expect(t.pending.size).toBe(1);
    // A direct call after a failure works too, and resolves to the count.
    await expect(purge.runOnce()).resolves.toBe(1);
    t.fire();
    await settle();
    expect(calls).toBe(3);
  });

  it('a slow purge is never overlapped: the next is scheduled when it ends, and a call meanwhile shares it', async () => {
    const t = fakeTimers();
    const { log } = fakeLog();
    let finish!: (n: number) => void;
    const purgeSessions = vi.fn(() => new Promise<number>((r) => (finish = r)));
    const purge = start({ store: { purgeSessions }, log, now: () => T0, timers: t.timers });
    t.fire();
    await settle();
    expect(t.pending.size).toBe(0);
    const shared = purge.runOnce();
    expect(purgeSessions).toHaveBeenCalledTimes(1);
    finish(4);
    await expect(shared).resolves.toBe(4);
    await settle();
    expect(t.pending.size).toBe(1);
  });

  it('close cancels the pending run, waits for a running one, and nothing runs after it', async () => {
    const t = fakeTimers();
    const { log } = fakeLog();
    const idle = start({ store: { purgeSessions: vi.fn(async () => 0) }, log, timers: t.timers });
    await idle.close();
    expect(t.pending.size).toBe(0);

    const t2 = fakeTimers();
    let finish!: (n: number) => void;
    const purgeSessions = vi.fn(() => new Promise<number>((r) => (finish = r)));
    const busy = start({ store: { purgeSessions }, log, timers: t2.timers });
    t2.fire();
    await settle();
    let closed = false;
    const closing = busy.close().then(() => (closed = true));
    await settle();
    expect(closed).toBe(false); // the store must stay open until the purge is done
    finish(0);
    await closing;
    expect(t2.pending.size).toBe(0); // not rescheduled
    await expect(busy.close()).resolves.toBeUndefined(); // idempotent
    await expect(busy.runOnce()).resolves.toBe(0);
    expect(purgeSessions).toHaveBeenCalledTimes(1);
  });

  it('with Node’s timers, the pending purge does not keep the process alive', async () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    try {
      const { log } = fakeLog();
      start({ store: { purgeSessions: async () => 0 }, log });
      const handle = spy.mock.results.at(-1)?.value as NodeJS.Timeout;
      expect(spy.mock.calls.at(-1)?.[1]).toBe(SESSION_PURGE_FIRST_DELAY_MS);
      expect(handle.hasRef()).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('session purge on a real store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pigeon-session-purge-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('deletes sessions ended over a week ago, keeps the ones ended since and the live ones', async () => {
    const store = await createSqliteStore({ file: join(dir, 'purge.sqlite') });
    try {
      const u = await store.createUser({ username: 'alice', displayName: 'Alice', passwordHash: 'h' });
      const now = T0;
      const session = (createdAt: number, expiresAt: number) =>
        store.createSession({ userId: u.id, userAgent: 'A', refreshHash: `h${createdAt}-${expiresAt}`, createdAt: iso(createdAt), expiresAt: iso(expiresAt) });
      const expiredLongAgo = await session(now - 40 * DAY, now - 8 * DAY);
      const revokedLongAgo = await session(now - 9 * DAY, now + 20 * DAY);
      await store.revokeSession(u.id, revokedLongAgo.id, iso(now - 8 * DAY));
      const expiredRecently = await session(now - 35 * DAY, now - 6 * DAY);
      const revokedRecently = await session(now - 9 * DAY, now + 20 * DAY);
      await store.revokeSession(u.id, revokedRecently.id, iso(now - 6 * DAY));
      const live = await session(now - DAY, now + 29 * DAY);

      const t = fakeTimers();
      const purge = startSessionPurge({ store, log: fakeLog().log, now: () => now, timers: t.timers });
      t.fire();
      await purge.close();

      expect(await store.getSession(expiredLongAgo.id)).toBeNull();
      expect(await store.getSession(revokedLongAgo.id)).toBeNull();
      for (const kept of [expiredRecently, revokedRecently, live]) expect(await store.getSession(kept.id)).not.toBeNull();
      expect((await store.listSessions(u.id, iso(now))).map((s) => s.id)).toEqual([live.id]);
    } finally {
      await store.close();
    }
  });
});
