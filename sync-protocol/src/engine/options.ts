/**
 * Every engine option with its default, in one place. Defaults suit the PWA; tests
 * shorten the timings (see tests/engine/helpers.ts).
 */
import { LIMITS } from '../limits.ts';
import type { SyncEngineOptions } from './api.ts';
import type { BackoffOptions } from './util/backoff.ts';
import type { RouteOptions } from './up/drainer.ts';

export interface ResolvedOptions {
  serverUrl: string;
  dbName: string;
  indexedDB?: IDBFactory;
  IDBKeyRange?: typeof IDBKeyRange;
  fetch: typeof fetch;
  locks: LockManager | null;
  ackTimeoutMs: number;
  backoff: BackoffOptions;
  route: RouteOptions;
  syncPageSize: number;
  reconnectionDelayMs: number;
  reconnectionDelayMaxMs: number;
  connectTimeoutMs: number;
  transports?: ('websocket' | 'polling')[];
  pollIntervalMs: number;
  leaseTtlMs?: number;
  leaseRenewMs?: number;
  typingRenewMs?: number;
  random?: () => number;
}

export function resolveOptions(o: SyncEngineOptions): ResolvedOptions {
  const fetchImpl = o.fetch ?? globalThis.fetch;
  return {
    serverUrl: o.serverUrl.replace(/\/+$/, ''),
    dbName: o.dbName ?? 'pigeon',
    ...(o.indexedDB ? { indexedDB: o.indexedDB } : {}),
    ...(o.IDBKeyRange ? { IDBKeyRange: o.IDBKeyRange } : {}),
    // Called unbound, window.fetch throws "Illegal invocation".
    fetch: (input, init) => fetchImpl(input, init),
    // undefined: the browser's Web Locks if any; null: the lease fallback (up/leader.ts).
    locks: o.locks === undefined ? ((globalThis.navigator as Navigator | undefined)?.locks ?? null) : o.locks,
    ackTimeoutMs: o.ackTimeoutMs ?? 5_000,
    backoff: { baseMs: o.retryBaseMs ?? 250, maxMs: o.retryMaxMs ?? 30_000 },
    route: { socketFailuresBeforeRest: o.socketFailuresBeforeRest ?? 3, restFallbackAfterMs: o.restFallbackAfterMs ?? 3_000 },
    syncPageSize: Math.min(o.syncPageSize ?? LIMITS.syncPageDefault, LIMITS.syncPageMax),
    reconnectionDelayMs: o.reconnectionDelayMs ?? 1_000,
    reconnectionDelayMaxMs: o.reconnectionDelayMaxMs ?? 5_000,
    connectTimeoutMs: o.connectTimeoutMs ?? 8_000,
    ...(o.transports ? { transports: o.transports } : {}),
    pollIntervalMs: o.pollIntervalMs ?? 10_000,
    ...(o.leaseTtlMs ? { leaseTtlMs: o.leaseTtlMs } : {}),
    ...(o.leaseRenewMs ? { leaseRenewMs: o.leaseRenewMs } : {}),
    ...(o.typingRenewMs ? { typingRenewMs: o.typingRenewMs } : {}),
    ...(o.random ? { random: o.random } : {}),
  };
}
