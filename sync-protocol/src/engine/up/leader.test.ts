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
    query: async () => ({ held: [], pending: [] }),
  } as unknown as LockManager;
}

const until = async (cond: () => boolean, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('outbox leadership', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  function tabs(locks: LockManager | null, n: number) {
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
      });
      cleanup.push(async () => {
        await leadership.stop();
        db.close();
      });
      return { db, leadership, changes, errors };
    });
  }

  for (const [label, locks] of [
    ['Web Locks', fakeLocks()],
    ['lease fallback (locks: null)', null],
  ] as const) {
    it(`${label}: exactly one leader; the next tab takes over when it stops`, async () => {
      const [a, b, c] = tabs(locks, 3);
      await until(() => [a, b, c].some((t) => t!.leadership.isLeader));
      // Give the others a few renewal rounds to (wrongly) grab it too.
      await new Promise((r) => setTimeout(r, 200));
      expect([a, b, c].filter((t) => t!.leadership.isLeader)).toHaveLength(1);

      const first = [a, b, c].find((t) => t!.leadership.isLeader)!;
      await first.leadership.stop();
      expect(first.leadership.isLeader).toBe(false);
      expect(first.changes).toEqual([true, false]);
      const rest = [a, b, c].filter((t) => t !== first);
      await until(() => rest.some((t) => t!.leadership.isLeader));
      await new Promise((r) => setTimeout(r, 200));
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
