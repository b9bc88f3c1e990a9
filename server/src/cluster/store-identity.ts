import { Redis } from 'ioredis';
import { ConfigError } from '../config.ts';
import type { Logger } from '../log.ts';

/**
 * Refusing a split cluster (issue #14). Nodes that share REDIS_URL act as one
 * cluster (Socket.io adapter, limits), so they must also share one store: two
 * SQLite files in two DATA_DIRs would each take half the users and messages,
 * silently. Every store has an identity made once with its data
 * (Store.storeIdentity); the first node of a cluster records it in Redis and
 * every later node compares: a node whose store is another one refuses to start.
 *
 * Processes on one machine sharing one DATA_DIR open the same SQLite file, so
 * they have the same identity and start. Nodes on one MONGODB_URI database too.
 */

/** How long the start may wait for Redis here; the adapter's own connection has already proven it reachable. */
const COMMAND_TIMEOUT_MS = 5_000;

export type IdentityVerdict =
  /** No identity was recorded: this node's store is now the cluster's. */
  | { kind: 'recorded' }
  /** The recorded identity is this node's: same store. */
  | { kind: 'same' }
  /** Another store is the cluster's. */
  | { kind: 'different'; recorded: string };

/** Pure: what this node's identity and the one Redis held before (null = none) mean. */
export function judgeIdentity(ours: string, recordedBefore: string | null): IdentityVerdict {
  if (recordedBefore === null) return { kind: 'recorded' };
  return recordedBefore === ours ? { kind: 'same' } : { kind: 'different', recorded: recordedBefore };
}

export interface StoreDescription {
  kind: 'sqlite' | 'mongodb';
  /** Where this node's store is, in words an operator recognises (never a URI with a password). */
  where: string;
}

/** Pure: this node's store in words, from its config (a MongoDB URI loses its credentials). */
export function describeStore(kind: StoreDescription['kind'], config: { dataDir: string; mongodbUri: string | null; mongoDbName: string | null }, resolve = (dir: string) => dir): StoreDescription {
  if (kind === 'sqlite') return { kind, where: `DATA_DIR=${resolve(config.dataDir)}` };
  let server = 'MONGODB_URI';
  try {
    const url = new URL(config.mongodbUri ?? '');
    server = `${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    // Several hosts ("h1,h2") are not a URL; the variable's name says enough.
  }
  return { kind, where: config.mongoDbName ? `${server}, database ${config.mongoDbName}` : server };
}

/** A node refused because its store is not the cluster's. A ConfigError: main.ts prints it and exits 2. */
export class SplitClusterError extends ConfigError {}

/** Pure: what is wrong and what to do (after "refusing to start: " at start, "cluster split: " later). */
export function splitClusterMessage(store: StoreDescription, ours: string, recorded: string, key: string): string {
  return [
    `this node's store (${store.kind}, ${store.where}; identity ${ours}) is not the cluster's store`,
    `(identity ${recorded}, recorded in Redis at ${key} by the first node that started with this REDIS_URL).`,
    'Nodes sharing REDIS_URL must share one store, or they split users and messages between them:',
    'on one machine give every process the same DATA_DIR; on several machines set MONGODB_URI to one MongoDB database for all nodes.',
    `If the cluster moved to a new store on purpose, stop every node, run: redis-cli -u "$REDIS_URL" DEL ${key} — then start the nodes on the new store.`,
  ].join(' ');
}

/** The two Redis commands this needs (a real client in production and tests). */
export type IdentityRedis = Pick<Redis, 'set' | 'get'>;

/**
 * Records `ours` as the cluster's store identity unless one is recorded, and
 * returns what was recorded before (null = nothing). SET NX then GET rather
 * than `SET NX GET`, which needs Redis 7: the key is only ever written once
 * (until an operator deletes it), so the two steps cannot race into a wrong answer.
 */
export async function recordIdentity(redis: IdentityRedis, key: string, ours: string): Promise<string | null> {
  if ((await redis.set(key, ours, 'NX')) === 'OK') return null;
  const recorded = await redis.get(key);
  // Deleted between the two commands (an operator's reset): try once more.
  if (recorded === null) return (await redis.set(key, ours, 'NX')) === 'OK' ? null : redis.get(key);
  return recorded;
}

export interface ClusterStoreCheck {
  redisUrl: string;
  key: string;
  identity: string;
  store: StoreDescription;
  log: Logger;
}

/** Start-up check (start-server.ts, before listening): throws SplitClusterError when this node's store is not the cluster's. */
export async function assertClusterStore({ redisUrl, key, identity, store, log }: ClusterStoreCheck): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: COMMAND_TIMEOUT_MS });
  // ioredis rejects connect() with "Connection is closed"; the reason (ECONNREFUSED, ...) came as an 'error' event.
  let cause: Error | null = null;
  redis.on('error', (err: Error) => {
    cause = err;
    log.warn({ err, role: 'cluster-identity' }, 'redis connection error');
  });
  let before: string | null;
  try {
    await redis.connect();
    before = await recordIdentity(redis, key, identity);
  } catch (err) {
    throw new Error(`cannot connect to REDIS_URL (checking the cluster's store identity): ${(cause ?? (err as Error)).message}`);
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
  const verdict = judgeIdentity(identity, before);
  if (verdict.kind === 'different') throw new SplitClusterError(`refusing to start: ${splitClusterMessage(store, identity, verdict.recorded, key)}`);
  log.info({ storeIdentity: identity, key, recorded: verdict.kind === 'recorded' }, verdict.kind === 'recorded' ? 'recorded this store as the cluster store' : 'store is the cluster store');
}

/**
 * A Redis restarted empty (no persistence) has forgotten the identity; the next
 * node to start would record its own, right or wrong. So each running node
 * records it again whenever its long-lived connection reconnects (`ready`). If
 * another store got there first, the cluster is split: that cannot be refused
 * any more (both sides are running), so it is logged at error on every reconnect.
 */
export function reRecordOnReconnect(redis: IdentityRedis & Pick<Redis, 'on'>, key: string, identity: string, store: StoreDescription, log: Logger): void {
  redis.on('ready', () => {
    recordIdentity(redis, key, identity).then(
      (before) => {
        const verdict = judgeIdentity(identity, before);
        if (verdict.kind === 'different') log.error({ key }, `cluster split: ${splitClusterMessage(store, identity, verdict.recorded, key)}`);
        else if (verdict.kind === 'recorded') log.info({ storeIdentity: identity, key }, 'redis had forgotten the cluster store; recorded it again');
      },
      (err: unknown) => log.warn({ err, key }, 'could not record the cluster store identity after a reconnect; trying at the next one'),
    );
  });
}
