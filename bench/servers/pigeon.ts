/**
 * The Pigeon server in a child process of the bench (so the load generator's CPU
 * is not charged to it). SEND_RATE_LIMIT is off (sendRateLimit: 0) as for every
 * benchmark, and so are the abuse limits (logins, handshakes, events: one load
 * generator on one address is exactly what they stop); password hashing is cheap
 * (2^10) because a benchmark measures messaging, not registering its users. Emits `ready` { url, port }; answers `storeCheck` by reading the
 * store itself (not the API) so lost or doubled messages show up. Several nodes (figure 8):
 * BENCH_REDIS_URL (the Socket.io Redis adapter) and one BENCH_JWT_SECRET for all of them, so a
 * token from one node is good on the others.
 */
import type { Message } from '@pigeon/sync-protocol';
import { MongoClient } from 'mongodb';
import { startServer, type LogLevel } from '../../server/src/index.ts';
import { dbNameFromUri } from '../../server/src/store/mongo/mongo-store.ts';
import { emitToParent, serveRpc } from '../lib/procs.ts';
import type { StoreCheck } from '../lib/targets.ts';

const server = await startServer({
  port: 0,
  host: '127.0.0.1',
  dataDir: process.env.BENCH_DATA_DIR ?? './data',
  mongodbUri: process.env.BENCH_MONGODB_URI || null,
  redisUrl: process.env.BENCH_REDIS_URL || null,
  jwtSecret: process.env.BENCH_JWT_SECRET || null,
  sendRateLimit: 0,
  searchRateLimit: 0,
  scryptLogN: 10,
  loginLimitPerIp: 0,
  loginLimitPerUser: 0,
  registerLimitPerIp: 0,
  socketEventLimit: 0,
  userEventLimit: 0,
  handshakeLimitPerIp: 0,
  handshakeLimitPerUser: 0,
  passwordHashQueue: 100_000,
  logLevel: (process.env.LOG_LEVEL as LogLevel | undefined) ?? 'warn',
});

type StoredMessage = Pick<Message, 'id' | 'clientId' | 'conversationId' | 'senderId' | 'seq' | 'type'>;

/**
 * Every stored message sent or received by one of `userIds`, or in one of `conversationIds` (the
 * groups of figure 9, whose feeds `userIds` also cover: one member per group).
 */
async function readStored(userIds: readonly string[], conversationIds: readonly string[]): Promise<StoredMessage[]> {
  const mongoUri = process.env.BENCH_MONGODB_URI;
  if (mongoUri) return readMongoCollection(mongoUri, new Set([...userIds, ...conversationIds]));
  const byId = new Map<string, StoredMessage>();
  for (const userId of userIds) {
    let position = 0;
    for (;;) {
      const page = await server.store.changesSince(userId, position, 1000);
      for (const m of page.messages) byId.set(m.id, m);
      if (!page.hasMore || page.messages.length === 0) break;
      position = page.position;
    }
  }
  return [...byId.values()];
}

/**
 * On FerretDB every changesSince decodes the whole collection, so one per user (200 × 20,000
 * documents) outlasts any timeout; the collection is read once instead, with the driver.
 */
async function readMongoCollection(uri: string, wanted: ReadonlySet<string>): Promise<StoredMessage[]> {
  const client = await MongoClient.connect(uri);
  try {
    const docs = await client
      .db(dbNameFromUri(uri) ?? 'pigeon')
      .collection<{ _id: string; clientId: string; conversationId: string; senderId: string; recipientId: string; seq: number; kind?: string; type?: 'system' }>('messages')
      .find({}, { projection: { clientId: 1, conversationId: 1, senderId: 1, recipientId: 1, seq: 1, kind: 1, type: 1 } })
      .toArray();
    // The collection is the store's change log: receipt entries (kind 'receipt') live beside the messages.
    return docs
      .filter((d) => d.kind !== 'receipt' && (wanted.has(d.senderId) || wanted.has(d.recipientId) || wanted.has(d.conversationId)))
      .map((d) => ({ id: d._id, clientId: d.clientId, conversationId: d.conversationId, senderId: d.senderId, seq: d.seq, type: d.type ?? 'text' }));
  } finally {
    await client.close();
  }
}

async function storeCheck(args: unknown): Promise<StoreCheck> {
  const { userIds, conversationIds = [] } = args as { userIds: string[]; conversationIds?: string[] };
  const stored = await readStored(userIds, conversationIds);
  const senderClient = new Set<string>();
  const perSender: Record<string, number> = {};
  const seqs = new Map<string, number[]>();
  let duplicateClientIds = 0;
  let systemMessages = 0;
  for (const m of stored) {
    const list = seqs.get(m.conversationId) ?? [];
    list.push(m.seq);
    seqs.set(m.conversationId, list);
    // A group's changes (group-created …) hold seqs too, but nobody sent them through the load generator.
    if (m.type === 'system') {
      systemMessages++;
      continue;
    }
    const key = `${m.senderId}:${m.clientId}`;
    if (senderClient.has(key)) duplicateClientIds++;
    senderClient.add(key);
    perSender[m.senderId] = (perSender[m.senderId] ?? 0) + 1;
  }
  // seq must be 1..n in each conversation; only checkable for conversations fully inside userIds.
  let seqGaps = 0;
  for (const list of seqs.values()) {
    list.sort((a, b) => a - b);
    list.forEach((s, i) => {
      if (s !== i + 1) seqGaps++;
    });
  }
  return { messages: stored.length - systemMessages, systemMessages, duplicateClientIds, seqGaps, perSender };
}

serveRpc({ storeCheck, sendStats: () => server.sendStats }, () => server.close());
emitToParent('ready', { url: server.url, port: server.port });
