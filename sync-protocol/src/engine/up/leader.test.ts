import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { electLeader, type Leadership } from './leader.ts';
import { LocalDb } from '../local/local-db.ts';

/** An in-memory, FIFO, exclusive Web Locks stand-in (Node 20 has no navigator.locks). */
function fakeLocks(): LockManager {
  const queues = new Map<string, { run: () => void; aborted: () => boolean }[]>();
  const held = new Set<string>();
  const next = (name: string) => {
    const queue = queues.get(name) ?? [];
    while (queue.length > 0 && queue[0]!.aborted()) queue.shift();
    const head = queue.shift();
    if (head) head.run();
  };
  return {
    request(name: string, options: LockOptions, callback: LockGrantedCallback<unknown>) {
      return new Promise((resolve, reject) => {
        const signal = options.signal;
        const run = () => {
          held.add(name);
          Promise.resolve()
            .then(() => callback({ name, mode: 'exclusive' } as Lock))
            .then(resolve, reject)
            .finally(() => {
              held.delete(name);
              next(name);
            });
        };
        signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        if (!held.has(name)) run();
        else {
          const queue = queues.get(name) ?? [];
          queue.push({ run, aborted: () => signal?.aborted ?? false });
          queues.set(name, queue);
        }
      });
    },
    // What the lock manager holds and who waits: how a test sees that the other tabs are queued.
    query: async () => ({
      held: [...held].map((name) => ({ name, mode: 'exclusive' })),
      pending: [...queues].flatMap(([name, queue]) => queue.filter((q) => !q.aborted()).map(() => ({ name, mode: 'exclusive' }))),
    }),
  } as unknown as LockManager;
}

const until = async (cond: () => boolean | Promise<boolean>, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 5));
  }
};

/** The lease renewal loops of every tab, run by hand: one round = one tick of each live tab. */
function manualRounds() {
  const ticks = new Set<() => Promise<void>>();
  return {
    every: (tick: () => Promise<void>) => {
      ticks.add(tick);
      return () => void ticks.delete(tick);
    },
    async run(rounds: number) {
      for (let i = 0; i < rounds; i++) await Promise.all([...ticks].map((tick) => tick()));
    },
  };
}

describe('outbox leadership', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  function tabs(locks: LockManager | null, n: number, every?: (tick: () => Promise<void>) => () => void) {
    const factory = new IDBFactory();
    return Array.from({ length: n }, () => {
      const db = new LocalDb('shared', { indexedDB: factory, IDBKeyRange });
      const changes: boolean[] = [];
      const errors: unknown[] = [];
      const leadership: Leadership = electLeader({
        name: 'pigeon-outbox:shared',
        locks,
        db,
        onChange: (leader) => changes.push(leader),
        onError: (_where, e) => errors.push(e),
        leaseTtlMs: 300,
        leaseRenewMs: 50,
        ...(every ? { every } : {}),
      });
      cleanup.push(async () => {
        await leadership.stop();
        db.close();
      });
      return { db, leadership, changes, errors };
    });
  }

  type Every = ReturnType<typeof manualRounds>['every'];
  interface Mechanism {
    locks: LockManager | null;
    every?: Every;
    /** Resolves once the other tabs had their chance to (wrongly) take the lead too; `waiting` of them are left. */
    othersTried(waiting: number): Promise<void>;
  }
  // With Web Locks the others are queued at the lock manager; with the lease each runs three renewal rounds.
  const mechanisms: [string, () => Mechanism][] = [
    ['Web Locks', () => {
      const locks = fakeLocks();
      return { locks, othersTried: (waiting) => until(async () => (await locks.query()).pending?.length === waiting) };
    }],
    ['lease fallback (locks: null)', () => {
      const rounds = manualRounds();
      return { locks: null, every: rounds.every, othersTried: () => rounds.run(3) };
    }],
  ];

  for (const [label, mechanism] of mechanisms) {
    it(`${label}: exactly one leader; the next tab takes over when it stops`, async () => {
      const m = mechanism();
      const [a, b, c] = tabs(m.locks, 3, m.every);
      await until(() => [a, b, c].some((t) => t!.leadership.isLeader));
      await m.othersTried(2);
      expect([a, b, c].filter((t) => t!.leadership.isLeader)).toHaveLength(1);

      const first = [a, b, c].find((t) => t!.leadership.isLeader)!;
      await first.leadership.stop();
      expect(first.leadership.isLeader).toBe(false);
      expect(first.changes).toEqual([true, false]);
      const rest = [a, b, c].filter((t) => t !== first);
      if (m.every) await m.othersTried(0); // a lease is taken at the next renewal round
      await until(() => rest.some((t) => t!.leadership.isLeader));
      await m.othersTried(1);
      expect(rest.filter((t) => t!.leadership.isLeader)).toHaveLength(1);
      expect([a, b, c].flatMap((t) => t!.errors)).toEqual([]);
    });
  }

  it('lease fallback: a tab that died without stopping loses the lease once it expires', async () => {
    const [a, b] = tabs(null, 2);
    await until(() => a!.leadership.isLeader || b!.leadership.isLeader);
    const leader = a!.leadership.isLeader ? a! : b!;
    const other = leader === a ? b! : a!;
    // Simulate a crash: the lease row stays, renewals stop (close the leader's database).
    leader.db.close();
    await until(() => other.leadership.isLeader, 3_000);
    expect(other.errors).toEqual([]);
    // The dead tab cannot renew: it steps down instead of believing it still leads.
    await until(() => !leader.leadership.isLeader);
    expect(leader.errors.length).toBeGreaterThan(0);
  });
});
