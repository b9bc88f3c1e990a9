/**
 * One tab per database drains the outbox (the "leader"). Others still write to the
 * outbox; Dexie broadcasts every committed write across tabs (`storagemutated`), and
 * the leader's outbox watch (local/local-db.ts `watchTable`) wakes its drainer.
 *
 * Two mechanisms:
 *  - Web Locks (preferred): `navigator.locks.request('pigeon-outbox:' + dbName)` is held
 *    for as long as the tab leads; the browser releases it when the tab closes or crashes,
 *    and the next waiting tab gets it at once.
 *  - Lease (fallback when `locks` is null or missing): a meta row `{ holder, expiresAt }`
 *    renewed every `renewMs`; a tab takes it when it is absent, expired or its own. A dead
 *    tab's lease lapses after `ttlMs`. A throttled background tab may briefly lead at the
 *    same time as another; that only costs duplicate sends, which the server dedupes by
 *    clientId, and each drainer still waits for an entry's ack before sending the next,
 *    so seq order holds too. Leadership is an efficiency measure, not a correctness one.
 */
import { META, type LocalDb } from '../local/local-db.ts';
import { newClientId } from './outbox.ts';

export interface Leadership {
  readonly isLeader: boolean;
  stop(): Promise<void>;
}

export interface LeaderOptions {
  name: string;
  locks: LockManager | null;
  db: LocalDb;
  onChange: (leader: boolean) => void;
  onError: (where: string, error: unknown) => void;
  leaseTtlMs?: number;
  leaseRenewMs?: number;
  /** Runs `tick` every `ms` until the returned stop is called: setInterval, or tests running rounds by hand. */
  every?: (tick: () => Promise<void>, ms: number) => () => void;
}

const everyInterval = (tick: () => Promise<void>, ms: number) => {
  const timer = setInterval(() => void tick(), ms);
  return () => clearInterval(timer);
};

interface Lease {
  holder: string;
  expiresAt: number;
}

export function electLeader(options: LeaderOptions): Leadership {
  return options.locks ? withWebLock(options.locks, options) : withLease(options);
}

function withWebLock(locks: LockManager, { name, onChange, onError }: LeaderOptions): Leadership {
  const abort = new AbortController();
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let leader = false;
  locks
    .request(name, { signal: abort.signal }, async () => {
      leader = true;
      onChange(true);
      await held;
      leader = false;
      onChange(false);
    })
    .catch((e: unknown) => {
      if ((e as Error)?.name !== 'AbortError') onError('leader.lock', e);
    });
  return {
    get isLeader() {
      return leader;
    },
    async stop() {
      abort.abort(); // if still waiting in the queue
      release(); // if holding
    },
  };
}

function withLease({ db, onChange, onError, leaseTtlMs = 5_000, leaseRenewMs = 1_500, every = everyInterval }: LeaderOptions): Leadership {
  const holder = newClientId();
  let leader = false;
  let stopped = false;

  const set = (next: boolean) => {
    if (next === leader) return;
    leader = next;
    onChange(next);
  };

  const tick = async () => {
    try {
      const won = await db.transaction('rw', db.meta, async () => {
        const lease = await db.getMeta<Lease>(META.lease);
        const now = Date.now();
        if (lease && lease.holder !== holder && lease.expiresAt > now) return false;
        await db.setMeta(META.lease, { holder, expiresAt: now + leaseTtlMs } satisfies Lease);
        return true;
      });
      if (!stopped) set(won);
    } catch (e) {
      // Cannot renew: step down rather than risk leading on a stale lease.
      if (!stopped) {
        set(false);
        onError('leader.lease', e);
      }
    }
  };

  void tick();
  const stopTicking = every(tick, leaseRenewMs);
  return {
    get isLeader() {
      return leader;
    },
    async stop() {
      stopped = true;
      stopTicking();
      set(false);
      // Hand over at once instead of making the next tab wait for the lease to lapse.
      await db
        .transaction('rw', db.meta, async () => {
          const lease = await db.getMeta<Lease>(META.lease);
          if (lease?.holder === holder) await db.meta.delete(META.lease);
        })
        .catch(() => {});
    },
  };
}
