import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import type { Context } from 'hono';
import { createApp } from './app.ts';
import { closeUnreadRequests } from './http/close-unread-requests.ts';
import { Passwords } from './auth/passwords.ts';
import { deriveRefreshKey } from './auth/refresh-token.ts';
import { loadOrCreateSecret } from './auth/secret.ts';
import { SessionGate } from './auth/session-gate.ts';
import { startSessionPurge } from './auth/session-purge.ts';
import { AttachmentService } from './attachments/attachment-service.ts';
import { FairQueue } from './attachments/fair-queue.ts';
import { openBlobStore } from './attachments/open-blob-store.ts';
import { startAttachmentSweep, type AttachmentSweep } from './attachments/sweep.ts';
import type { BlobStore } from './attachments/blob-store.ts';
import { SessionService } from './auth/sessions.ts';
import { createTokenService } from './auth/tokens.ts';
import { assertClusterStore, describeStore, reRecordOnReconnect } from './cluster/store-identity.ts';
import { resolveConfig, type ServerConfig } from './config.ts';
import { createLogger, type Logger } from './log.ts';
import { requestAddress } from './http/client-address.ts';
import { createAbuseLimits } from './limits/abuse-limits.ts';
import { createGroupRooms } from './groups/group-rooms.ts';
import { GroupService } from './groups/group-service.ts';
import { Memberships } from './groups/memberships.ts';
import { ActionService } from './messages/action-service.ts';
import { ReceiptService } from './messages/receipts.ts';
import { SendBatcher, type BatcherStats } from './messages/send-batcher.ts';
import { SendService } from './messages/send-service.ts';
import { createSocketServer, registerGateway } from './realtime/gateway.ts';
import { Audience } from './privacy/audience.ts';
import { BlockList } from './privacy/blocks.ts';
import { Contacts } from './privacy/contacts.ts';
import { Presence } from './realtime/presence.ts';
import { ClusterNode } from './cluster/cluster-node.ts';
import { broadcastSyncHint } from './realtime/sync-hint.ts';
import { connectRedisAdapter, type RedisAdapterHandle } from './realtime/redis-adapter.ts';
import { createSessionRevocation } from './realtime/session-revocation.ts';
import { createSocketFanout } from './realtime/socket-fanout.ts';
import { startPush } from './push/push-service.ts';
import { createShutdown } from './shutdown.ts';
import { InFlight } from './realtime/in-flight.ts';
import { TypingTracker } from './realtime/typing.ts';
import { createTypingEmit } from './realtime/typing-fanout.ts';
import { openStore } from './store/open-store.ts';
import type { ActionOutcome, ActionRequest, SendOutcome, SendRequest, Store } from './store/store.ts';
import { hookedFetch, type TestHooks } from './test-hooks.ts';
import { UserDirectory } from './users/user-directory.ts';

export interface StartServerOptions extends Partial<ServerConfig> {
  /** Fault injection for tests (see TestHooks); not reachable from the environment. */
  testHooks?: TestHooks;
  /** Use this store instead of opening one; the caller keeps ownership (close() won't close it). */
  store?: Store;
  /** Use this logger instead of a new pino logger at config.logLevel. */
  logger?: Logger;
}

export interface RunningServer {
  /** http://127.0.0.1:PORT (loopback even when bound to 0.0.0.0). */
  url: string;
  port: number;
  store: Store;
  config: ServerConfig;
  /** Group-commit counters (batches, sends, largest batch), for benchmarks. */
  readonly sendStats: BatcherStats;
  /** Sends waiting for the next group commit (not counting the batch in flight). */
  readonly queuedSends: number;
  /** Where attachment bytes are (tests look whether bytes are gone). */
  blobs: BlobStore;
  /** The attachments sweep: tests run it at once instead of waiting ATTACHMENT_SWEEP_MS. */
  attachmentSweep: AttachmentSweep;
  /**
   * Graceful: refuse new connections and sends, commit and ack every queued
   * send, write lastSeen for connected users, close sockets, Redis, the HTTP
   * server and the store (if opened here). Idempotent.
   */
  close(): Promise<void>;
  /**
   * Crash-like stop for tests: drops queued (uncommitted) sends without acking,
   * cuts every connection, writes nothing more. Resolves once the port and the
   * store are released, so a new server can start on the same DATA_DIR.
   */
  kill(): Promise<void>;
}

/**
 * Starts Hono + Socket.io on one HTTP server. Configuration comes only from
 * `options` over the defaults (the environment is read by main.ts via
 * loadConfig), so tests are never affected by the shell they run in.
 *
 * @example
 * const server = await startServer({ port: 0, dataDir: tmp, logLevel: 'silent' });
 * await fetch(`${server.url}/api/health`);
 * await server.close();
 */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const { testHooks = {}, store: injectedStore, logger, ...overrides } = options;
  const config = resolveConfig(overrides);
  const log = logger ?? createLogger(config.logLevel);
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const unwind = async () => {
    for (const fn of cleanups.splice(0).reverse()) await Promise.resolve().then(fn).catch(() => {});
  };

  try {
    const store =
      injectedStore ??
      (await openStore({
        dataDir: config.dataDir,
        mongodbUri: config.mongodbUri ?? undefined,
        mongoDbName: config.mongoDbName ?? undefined,
        mongoSlowCommandMs: config.mongoSlowCommandMs,
        log,
      }));
    if (!injectedStore) cleanups.push(() => store.close());
    // Before anything else uses Redis: a node whose store is not the cluster's must not join it (SplitClusterError).
    const clusterStore = config.redisUrl ? { key: config.clusterStoreKey, identity: await store.storeIdentity(), store: describeStore(store.kind, config, (dir) => resolvePath(dir)) } : null;
    if (clusterStore) await assertClusterStore({ redisUrl: config.redisUrl!, ...clusterStore, log });

    const passwords = new Passwords(config, store, log);
    // The decoy is computed now so the first login of an unknown user costs one scrypt run like any other.
    passwords.warmUp();
    const secret = await loadOrCreateSecret(config.dataDir, config.jwtSecret);
    const tokens = createTokenService(secret, config.accessTokenTtlSeconds);
    const gate = new SessionGate(tokens, store);
    // Deletes sessions ended over a week ago, hourly; every node runs it (idempotent).
    const sessionPurge = startSessionPurge({ store, log });
    cleanups.push(() => sessionPurge.close());
    // Attachment bytes: files under DATA_DIR with SQLite, GridFS with MongoDB (attachments/open-blob-store.ts).
    const blobs = await openBlobStore(store, config.dataDir);
    cleanups.push(() => blobs.close());
    // Orphans, deleted attachments and abandoned staged uploads; every node runs it (safe at once: sweep.ts).
    const attachmentSweep = startAttachmentSweep({ store, blobs, log, intervalMs: config.attachmentSweepMs, orphanTtlMs: config.attachmentOrphanTtlMs });
    cleanups.push(() => attachmentSweep.close());

    let redis: RedisAdapterHandle | null = null;
    if (config.redisUrl) {
      redis = await connectRedisAdapter(config.redisUrl, log);
      cleanups.push(() => redis!.close());
    }

    let closing = false;
    const isClosing = () => closing;
    const io = createSocketServer(redis?.adapter);
    cleanups.push(() => io.close());
    const limits = await createAbuseLimits(io, config, log);
    cleanups.push(() => limits.close());
    if (clusterStore && limits.redis) reRecordOnReconnect(limits.redis, clusterStore.key, clusterStore.identity, clusterStore.store, log);
    const fanout = createSocketFanout(io);
    const sessions = new SessionService({
      store,
      tokens,
      refreshKey: deriveRefreshKey(secret),
      refreshTtlSeconds: config.refreshTokenTtlSeconds,
      reuseGraceMs: testHooks.refreshReuseGraceMs,
      onRevoked: createSessionRevocation(io, gate, Boolean(redis), log).revoked,
      log,
    });
    const users = new UserDirectory(store);
    // Block lists are cached per node; a change is announced to the others (the in-memory adapter has no server-side events).
    const blocks = new BlockList({ store, ...(redis ? { announce: (userId: string) => io.serverSideEmit('blocks-changed', userId) } : {}) });
    if (redis) io.on('blocks-changed', (userId) => blocks.forget(userId));
    // Contacts are cached per node too: a conversation started here is announced to the others (C8 in
    // docs/reliability.md), and after a Redis outage every node drops its lists (cluster/cluster-node.ts).
    const contacts = new Contacts({ store, ...(redis ? { announce: (a: string, b: string) => io.serverSideEmit('contacts-started', a, b) } : {}) });
    /** What notices between nodes keep current here: dropped when some may have been lost. */
    const forgetNoticed = () => {
      contacts.forgetAll();
      blocks.forgetAll();
    };
    if (redis) {
      io.on('contacts-started', (a, b) => contacts.learned(a, b));
      io.on('notices-lost', forgetNoticed);
    }
    const audience = new Audience(contacts, blocks);
    // With Redis: this node's record, dead-node reaping, presence across nodes and Redis outages (cluster/).
    const cluster = redis && config.redisUrl
      ? await ClusterNode.join({ redisUrl: config.redisUrl, adapterLinks: redis.links, times: { heartbeatMs: config.nodeHeartbeatMs, ttlMs: config.nodeTtlMs, sweepMs: config.nodeSweepMs }, redisTimeoutMs: config.presenceRedisTimeoutMs, log })
      : null;
    if (cluster) cleanups.push(() => cluster.stop());
    const presence = new Presence(io, store, audience, fanout, log, cluster?.remotePresence ?? null);
    const typing = new TypingTracker(createTypingEmit(fanout, blocks, store, log), testHooks.typingTtlMs);
    // Groups: who is in which (cached per node), and each group's room of its members' sockets on every node.
    const memberships = new Memberships({ store });
    const groupRooms = createGroupRooms({
      io,
      memberships,
      forgetContacts: (userId) => contacts.forget(userId),
      onLeft: (userId, conversationId) => typing.stop(userId, conversationId),
      clustered: Boolean(redis),
      log,
    });
    // Back from a Redis outage: devices catch up, and this node re-reads its sockets' groups (changes made elsewhere were lost here).
    const syncHint = () => {
      broadcastSyncHint(io);
      void groupRooms.resync('a Redis outage');
    };
    const noticesLost = () => {
      forgetNoticed();
      io.serverSideEmit('notices-lost');
    };
    // A node that died right after a commit never sent its notice of it (a member removed: their
    // sockets here would stay in the group's room): read again what such notices keep here.
    const peerDied = () => {
      void groupRooms.resync('a node died');
      forgetNoticed();
    };
    await cluster?.start({ presence, typing, syncHint, noticesLost, peerDied });
    const batcher = new SendBatcher<SendRequest, SendOutcome>({
      maxBatch: config.maxSendBatch,
      // The SQLite thread answers in call order, so a second batch can wait there while the
      // event loop acks the first (the thread never idles); MongoDB batches go one at a time.
      maxInFlight: store.kind === 'sqlite' ? 2 : 1,
      commit: async (batch) => {
        await testHooks.beforeCommit?.(batch);
        return store.sendMessages(batch);
      },
      onBatchError: (err, size) => log.error({ err, size }, 'group commit failed; retrying its sends one by one'),
    });
    // Web Push: VAPID keys, the endpoint rules, a background queue fed after each commit (push/).
    const push = await startPush({ config, store, log, groupOf: (id) => memberships.group(id) });
    cleanups.push(() => push.close());
    const sends = new SendService({ batcher, users, fanout, rateLimiter: limits.sends, audience, batchMax: config.sendBatchMax, onStored: (message, viewers) => push.notifier.messageStored(message, viewers), onContactsStarted: (a, b) => presence.introduced(a, b) });
    // A new upload counts as one send in the user's budget (SEND_RATE_LIMIT; attachment-service.ts says why).
    const attachments = new AttachmentService({
      store,
      blobs,
      rateLimiter: limits.sends,
      images: new FairQueue(config.attachmentImageConcurrency),
      limits: { maxBytes: config.attachmentMaxBytes, uploadsPerUser: config.attachmentUploadsPerUser, imageMaxPixels: config.attachmentImageMaxPixels },
      log,
    });
    // Message actions commit in batches of their own (store.applyActions), with the same lanes as sends.
    const actionBatcher = new SendBatcher<ActionRequest, ActionOutcome>({
      maxBatch: config.maxSendBatch,
      maxInFlight: store.kind === 'sqlite' ? 2 : 1,
      commit: (batch) => store.applyActions(batch),
      onBatchError: (err, size) => log.error({ err, size }, 'group commit of actions failed; retrying them one by one'),
    });
    // Actions count against the send budget (SEND_RATE_LIMIT): one limiter owns "writes to the log per user".
    const actions = new ActionService({
      batcher: actionBatcher, rateLimiter: limits.sends, fanout, blocks, store, now: testHooks.actionClock, attachments,
      onAnnounceError: (error) => log.warn({ err: error }, 'message-updated: the group viewers could not be read'),
    });
    const receipts = new ReceiptService(store, fanout, undefined, (conversationId, userId) => memberships.isOrWasMember(conversationId, userId));
    const groups = new GroupService({ store, blocks, fanout, rooms: groupRooms, rateLimiter: limits.sends });

    const inFlight = new InFlight();
    registerGateway({ io, gate, limits: limits.sockets, log, isClosing, services: { sends, actions, receipts, presence, typing, users, audience, memberships, groupRooms, hooks: testHooks, inFlight } });
    const clientAddress = (c: Context) => requestAddress(c, config.trustProxy);
    const app = createApp(
      { store, gate, sessions, users, presence, sends, actions, attachments, groups, audience, fanout, passwords, authLimits: limits.auth, push, writeLimit: limits.sends, searchLimit: limits.searches, clientAddress, log, clientDistDir: config.clientDistDir, isClosing },
      log,
      { trustProxy: config.trustProxy },
    );

    // Hono's listener first, then Socket.io on top: it takes /socket.io/ and hands everything else to Hono.
    const httpServer = createServer(closeUnreadRequests(getRequestListener(hookedFetch(app.fetch, testHooks))));
    io.attach(httpServer);
    const port = await listen(httpServer, config.port, config.host);
    cleanups.push(() => new Promise((r) => httpServer.close(r)));
    const url = `http://${loopbackHost(config.host)}:${port}`;
    log.info({ url, host: config.host, port, store: store.kind, redis: Boolean(redis) }, 'pigeon server listening');

    const { close, kill } = createShutdown({
      log,
      httpServer,
      io,
      // Shutdown drains both commit queues alike: queued sends and actions are committed and acked.
      batcher: bothBatchers(batcher, actionBatcher),
      typing,
      presence,
      handlers: inFlight,
      cluster,
      redis,
      limits,
      // The purge and the attachment sweep stop alike (a run in progress finishes), then the
      // BlobStore closes, all before the store (GridFS uses the store's connection).
      sessionPurge: {
        close: async () => {
          // Pushes stop too (queued ones are dropped, requests in flight cut): the store closes next.
          await Promise.all([sessionPurge.close(), attachmentSweep.close(), push.close()]);
          await blobs.close();
        },
      },
      ownedStore: injectedStore ? null : store,
      markClosing: () => {
        closing = true;
      },
    });

    return {
      url,
      port,
      store,
      config,
      get sendStats() {
        return { ...batcher.stats };
      },
      get queuedSends() {
        return batcher.size;
      },
      blobs,
      attachmentSweep,
      close,
      kill,
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}

/** The two group-commit queues as the one the shutdown closes, drains and aborts. */
function bothBatchers(a: SendBatcher<SendRequest, SendOutcome>, b: SendBatcher<ActionRequest, ActionOutcome>) {
  return {
    close: () => {
      a.close();
      b.close();
    },
    abort: () => {
      a.abort();
      b.abort();
    },
    drain: async () => {
      await Promise.all([a.drain(), b.drain()]);
    },
  };
}

function listen(server: HttpServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** The address a local client should dial for a bind address. */
function loopbackHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
