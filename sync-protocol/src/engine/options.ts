/**
 * Every engine option with its default, in one place. Defaults suit the PWA; tests
 * shorten the timings (see tests/engine/helpers.ts).
 */
import { LIMITS } from '../limits.ts';
import type { SyncEngineOptions } from './api.ts';
import { socketIoTransport } from './transport/socket-io-transport.ts';
import type { TransportFactory } from './transport/transport.ts';
import { typingTimings, type TypingTimings } from './typing.ts';
import type { RouteOptions } from './up/send-rules.ts';
import type { BackoffOptions } from './util/backoff.ts';
import { ADAPTIVE_CHUNKS, fixedChunks, type ChunkPlan } from './up/chunk-size.ts';

export interface ResolvedOptions {
  dbName: string;
  indexedDB?: IDBFactory;
  IDBKeyRange?: typeof IDBKeyRange;
  transport: TransportFactory;
  followBrowserNetwork: boolean;
  locks: LockManager | null;
  ackTimeoutMs: number;
  backoff: BackoffOptions;
  route: RouteOptions;
  /** A catch-up's first page, and the pages after a full one. */
  syncPages: Readonly<PageSizes>;
  deliveredHoldMaxMs: number;
  pollIntervalMs: number;
  leaseTtlMs?: number;
  leaseRenewMs?: number;
  typing: TypingTimings;
  logoutTimeoutMs: number;
  random?: () => number;
  describeImage?: NonNullable<SyncEngineOptions['describeImage']>;
  /** Bytes per upload request: adaptive (up/chunk-size.ts), or fixed by `uploadChunkBytes`. */
  uploadChunks: ChunkPlan;
  /** The media cache's budget until `media.setBudget` says otherwise (bytes). */
  mediaCacheBytes: number;
}

export interface PageSizes {
  first: number;
  next: number;
  /**
   * Pages stored in one transaction at most: the one awaited and those fetched ahead behind it,
   * awaited too (the catch-up fetches that many ahead, down/pages-ahead.ts). Each commit still
   * carries the cursor of its last page, so a crash leaves the cursor at a committed page as before.
   */
  perCommit: number;
}

/**
 * The catch-up's default page sizes. The first page is the server's default: a device back after
 * a short absence gets everything in it, and after a long one its first chats show as soon. The
 * pages after a full one are the largest the server gives: each page costs a transaction, a read
 * and a write of every chat it touches and a block per chat (local/message-store.ts) whatever its
 * length (20,000 messages in Chromium: a median 1.96 s in pages of 1,000 against 2.76 s in pages
 * of 500; issue #20, docs/benchmarks.md session 45). For the same reason three such pages are stored
 * in one transaction (the contract caps a page at 1,000 messages): two against one, a median 1.93 s
 * against 2.34 s (session 45); three against two, 1.91 s against 2.02 s, with 7 % less of Chromium's
 * CPU (session 50). Four were slower again in 4 of 4 pairs, with tasks up to 83 ms; with three, none
 * that stores them went over 58 ms in the bench's runs.
 */
export const CATCH_UP_PAGES: Readonly<PageSizes> = Object.freeze({ first: LIMITS.syncPageDefault, next: LIMITS.syncPageMax, perCommit: 3 });

/**
 * A REST request's default bound, its body included. A catch-up page of 1,000 messages is about
 * 30 KiB gzip-encoded: seconds on a 2G link. A connection that went silent without closing
 * (a phone between cells) is otherwise waited on for as long as the OS keeps it.
 */
export const REQUEST_TIMEOUT_MS = 30_000;

const fixedPages = (size: number): PageSizes => {
  const n = Math.max(1, Math.min(Math.floor(size), LIMITS.syncPageMax));
  return { first: n, next: n, perCommit: 1 };
};

export function resolveOptions(o: SyncEngineOptions): ResolvedOptions {
  const fetchImpl = o.fetch ?? globalThis.fetch;
  return {
    dbName: o.dbName ?? 'pigeon',
    ...(o.indexedDB ? { indexedDB: o.indexedDB } : {}),
    ...(o.IDBKeyRange ? { IDBKeyRange: o.IDBKeyRange } : {}),
    transport:
      o.transport ??
      socketIoTransport({
        serverUrl: o.serverUrl.replace(/\/+$/, ''),
        // Called unbound, window.fetch throws "Illegal invocation".
        fetch: (input, init) => fetchImpl(input, init),
        reconnectionDelayMs: o.reconnectionDelayMs ?? 1_000,
        reconnectionDelayMaxMs: o.reconnectionDelayMaxMs ?? 5_000,
        connectTimeoutMs: o.connectTimeoutMs ?? 8_000,
        requestTimeoutMs: o.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
        ...(o.transports ? { transports: o.transports } : {}),
      }),
    followBrowserNetwork: o.followBrowserNetwork ?? hasBrowserNetwork(),
    // undefined: the browser's Web Locks if any; null: the lease fallback (up/leader.ts).
    locks: o.locks === undefined ? ((globalThis.navigator as Navigator | undefined)?.locks ?? null) : o.locks,
    ackTimeoutMs: o.ackTimeoutMs ?? 5_000,
    backoff: { baseMs: o.retryBaseMs ?? 250, maxMs: o.retryMaxMs ?? 30_000 },
    route: { socketFailuresBeforeRest: o.socketFailuresBeforeRest ?? 3, restFallbackAfterMs: o.restFallbackAfterMs ?? 3_000 },
    syncPages: o.syncPageSize === undefined ? CATCH_UP_PAGES : fixedPages(o.syncPageSize),
    // A catch-up's delivered receipts wait for its end at most this long (up/receipts.ts holdDelivered).
    deliveredHoldMaxMs: o.deliveredHoldMaxMs ?? 5_000,
    pollIntervalMs: o.pollIntervalMs ?? 10_000,
    ...(o.leaseTtlMs ? { leaseTtlMs: o.leaseTtlMs } : {}),
    ...(o.leaseRenewMs ? { leaseRenewMs: o.leaseRenewMs } : {}),
    typing: typingTimings(LIMITS.typingTtlMs, o.typingRenewMs || undefined),
    logoutTimeoutMs: o.logoutTimeoutMs ?? 2_000,
    ...(o.random ? { random: o.random } : {}),
    ...(o.describeImage ? { describeImage: o.describeImage } : {}),
    uploadChunks: o.uploadChunkBytes === undefined ? ADAPTIVE_CHUNKS : fixedChunks(Math.max(1, Math.floor(o.uploadChunkBytes))),
    mediaCacheBytes: o.mediaCacheBytes ?? 256 * 1024 * 1024,
  };
}

/** A browser page: a window whose navigator says whether a network interface is up. */
function hasBrowserNetwork(): boolean {
  const w = (globalThis as { window?: Window }).window;
  return typeof w?.addEventListener === 'function' && typeof w.navigator?.onLine === 'boolean';
}
