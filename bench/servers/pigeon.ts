/**
 * The Pigeon server in a child process of the bench (so the load generator's CPU
 * is not charged to it). SEND_RATE_LIMIT is off (sendRateLimit: 0) as for every
 * benchmark. Emits `ready` { url, port }; answers `storeCheck` by reading the
 * store itself (not the API) so lost or doubled messages show up.
 */
import type { Message } from '@pigeon/sync-protocol';
import { startServer, type LogLevel } from '../../server/src/index.ts';
import { emitToParent, serveRpc } from '../lib/procs.ts';
import type { StoreCheck } from '../lib/targets.ts';

const server = await startServer({
  port: 0,
  host: '127.0.0.1',
  dataDir: process.env.BENCH_DATA_DIR ?? './data',
  mongodbUri: process.env.BENCH_MONGODB_URI || null,
  sendRateLimit: 0,
  logLevel: (process.env.LOG_LEVEL as LogLevel | undefined) ?? 'warn',
});

async function storeCheck(args: unknown): Promise<StoreCheck> {
  const { userIds } = args as { userIds: string[] };
  const byId = new Map<string, Message>();
  for (const userId of userIds) {
    let position = 0;
    for (;;) {
      const page = await server.store.changesSince(userId, position, 1000);
      for (const m of page.messages) byId.set(m.id, m);
      if (!page.hasMore || page.messages.length === 0) break;
      position = page.position;
    }
  }
  const senderClient = new Set<string>();
  const perSender: Record<string, number> = {};
  const seqs = new Map<string, number[]>();
  let duplicateClientIds = 0;
  for (const m of byId.values()) {
    const key = `${m.senderId}:${m.clientId}`;
    if (senderClient.has(key)) duplicateClientIds++;
    senderClient.add(key);
    perSender[m.senderId] = (perSender[m.senderId] ?? 0) + 1;
    const list = seqs.get(m.conversationId) ?? [];
    list.push(m.seq);
    seqs.set(m.conversationId, list);
  }
  // seq must be 1..n in each conversation; only checkable for conversations fully inside userIds.
  let seqGaps = 0;
  for (const list of seqs.values()) {
    list.sort((a, b) => a - b);
    list.forEach((s, i) => {
      if (s !== i + 1) seqGaps++;
    });
  }
  return { messages: byId.size, duplicateClientIds, seqGaps, perSender };
}

serveRpc({ storeCheck, sendStats: () => server.sendStats }, () => server.close());
emitToParent('ready', { url: server.url, port: server.port });
