import { Hono } from 'hono';
import {
  conversationPeer,
  decodeHistoryCursor,
  directConversationId,
  encodeHistoryCursor,
  historyQuerySchema,
  PigeonError,
  sendMessageBodySchema,
  type ConversationSummary,
} from '@pigeon/sync-protocol';
import { toPublicUser, withoutPresence } from '../../users/public-user.ts';
import type { AppEnv, HttpServices } from '../types.ts';
import { readJson, readQuery } from '../validate.ts';

/** Conversations list, history pages, and the REST send (same path as the socket's). */
export function messageRoutes(s: HttpServices) {
  const routes = new Hono<AppEnv>();

  routes.get('/conversations', async (c) => {
    const me = c.get('userId');
    const conversations = await s.store.listConversations(me);
    const peerIds = conversations.map((conv) => conv.peerId);
    const [peers, online, visible] = await Promise.all([
      s.store.getUsers(peerIds),
      s.presence.onlineAmong(peerIds),
      s.audience.visibleAmongContacts(me, peerIds),
    ]);
    const byId = new Map(peers.map((p) => [p.id, p]));
    const summaries: ConversationSummary[] = [];
    for (const conv of conversations) {
      const peer = byId.get(conv.peerId);
      if (!peer) continue; // cannot happen while users are never deleted; skip rather than 500
      summaries.push({
        id: conv.id,
        type: 'direct',
        title: peer.displayName,
        members: [me, peer.id].sort().map((userId) => ({ userId, role: 'member' as const })),
        peer: visible.has(peer.id) ? toPublicUser(peer, online.has(peer.id)) : withoutPresence(peer),
        lastMessage: conv.lastMessage,
        unreadCount: conv.unreadCount,
        updatedAt: conv.updatedAt,
      });
    }
    return c.json({ conversations: summaries });
  });

  routes.get('/conversation', async (c) => {
    const me = c.get('userId');
    const query = readQuery(c, historyQuerySchema);
    let conversationId: string;
    if (query.with !== undefined) {
      if (query.with === me) throw new PigeonError('VALIDATION', 'with: there is no conversation with yourself');
      if (!(await s.users.exists(query.with))) throw new PigeonError('NOT_FOUND', 'with: no such user');
      conversationId = directConversationId(me, query.with);
    } else {
      conversationId = query.id!;
      if (conversationPeer(conversationId, me) === null) {
        throw new PigeonError('FORBIDDEN', 'id: not a member of this conversation');
      }
    }
    const beforeSeq = query.before ? decodeHistoryCursor(query.before) : null;
    const messages = await s.store.getHistory(conversationId, beforeSeq, query.limit);
    const oldest = messages[0];
    // A short page, or one reaching seq 1, is the beginning of the conversation.
    const nextCursor = oldest && messages.length === query.limit && oldest.seq > 1 ? encodeHistoryCursor(oldest.seq) : null;
    return c.json({ messages, nextCursor });
  });

  routes.post('/', async (c) => {
    const me = c.get('userId');
    const input = await readJson(c, sendMessageBodySchema);
    const outcome = await s.sends.send(me, input);
    s.sends.announce(outcome);
    return c.json({ message: outcome.message }, outcome.created ? 201 : 200);
  });

  return routes;
}
