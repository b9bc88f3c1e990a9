import { Hono } from 'hono';
import { conversationPeer, PigeonError, queryTerms, searchQuerySchema, withMessageDefaults } from '@pigeon/sync-protocol';
import { isGroupId } from '../../groups/memberships.ts';
import type { AppEnv, HttpServices } from '../types.ts';
import { readQuery } from '../validate.ts';

/**
 * Message search (contract v2, "Notifications and search"; model/search.ts):
 *
 *   GET /api/messages/search?q=&conversationId=&limit=  → 200 { messages }, newest first
 *
 * The store finds the words (search-text.ts, the one rule of every store and the device) only in
 * the caller's conversations and membership periods. A `conversationId` is checked like a history
 * page's: a direct conversation not the caller's → FORBIDDEN; a group they never were in →
 * FORBIDDEN, no such group → NOT_FOUND. A query without any word (punctuation only) finds nothing.
 * Each valid request counts against SEARCH_RATE_LIMIT (429 RATE_LIMITED + Retry-After past it).
 * Mounted before the /api/messages/:id routes.
 */
export function messageSearchRoutes(s: HttpServices) {
  const routes = new Hono<AppEnv>();

  routes.get('/search', async (c) => {
    const me = c.get('userId');
    const { q, conversationId, limit } = readQuery(c, searchQuerySchema);
    await s.searchLimit.take(me);
    if (conversationId !== undefined) await assertReadable(conversationId, me);
    const terms = queryTerms(q);
    if (terms.length === 0) return c.json({ messages: [] });
    const messages = await s.store.searchMessages(me, terms, { ...(conversationId !== undefined ? { conversationId } : {}), limit });
    return c.json({ messages: messages.map(withMessageDefaults) });
  });

  async function assertReadable(conversationId: string, me: string): Promise<void> {
    if (!isGroupId(conversationId)) {
      if (conversationPeer(conversationId, me) === null) throw new PigeonError('FORBIDDEN', 'conversationId: not a member of this conversation');
      return;
    }
    if ((await s.store.memberPeriods(conversationId, me)).length > 0) return;
    if (!(await s.store.getGroup(conversationId))) throw new PigeonError('NOT_FOUND', 'conversationId: no such group');
    throw new PigeonError('FORBIDDEN', 'conversationId: not a member of this group');
  }

  return routes;
}
