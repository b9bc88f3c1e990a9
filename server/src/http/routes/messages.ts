import { Hono } from 'hono';
import {
  conversationPeer,
  decodeHistoryCursor,
  directConversationId,
  encodeHistoryCursor,
  historyQuerySchema,
  PigeonError,
  sendMessageBodySchema,
  sendMessagesBodySchema,
  withMessageDefaults,
} from '@pigeon/sync-protocol';
import { z } from 'zod';
import { isGroupId, periodHolds } from '../../groups/memberships.ts';
import type { MemberPeriod } from '../../store/store.ts';
import { storedOf, toBatchResults } from '../../messages/batch-results.ts';
import { summarize } from '../conversation-summaries.ts';
import type { AppEnv, HttpServices } from '../types.ts';
import { readJson, readQuery } from '../validate.ts';

const messageParamSchema = z.object({ id: z.string().min(1).max(64) });

/** Conversations list, history pages, message receipts, and the REST send (same path as the socket's). */
export function messageRoutes(s: HttpServices) {
  const routes = new Hono<AppEnv>();

  routes.get('/conversations', async (c) => {
    const me = c.get('userId');
    return c.json({ conversations: await summarize(s, me, await s.store.listConversations(me)) });
  });

  routes.get('/conversation', async (c) => {
    const me = c.get('userId');
    const query = readQuery(c, historyQuerySchema);
    let conversationId: string;
    /** The lowest seq the caller may read: 1, or where their first period in a group began. */
    let firstSeq = 1;
    if (query.with !== undefined) {
      if (query.with === me) throw new PigeonError('VALIDATION', 'with: there is no conversation with yourself');
      if (!(await s.users.exists(query.with))) throw new PigeonError('NOT_FOUND', 'with: no such user');
      conversationId = directConversationId(me, query.with);
    } else if (isGroupId(query.id!)) {
      conversationId = query.id!;
      // Members and former members read the seqs of their periods (the store keeps to them).
      firstSeq = (await readablePeriods(conversationId, me))[0]!.fromSeq;
    } else {
      conversationId = query.id!;
      if (conversationPeer(conversationId, me) === null) {
        throw new PigeonError('FORBIDDEN', 'id: not a member of this conversation');
      }
    }
    const beforeSeq = query.before ? decodeHistoryCursor(query.before) : null;
    const messages = await s.store.getHistory(conversationId, beforeSeq, query.limit, me);
    const oldest = messages[0];
    // A short page, or one reaching the first readable seq, is the beginning of the conversation.
    const nextCursor = oldest && messages.length === query.limit && oldest.seq > firstSeq ? encodeHistoryCursor(oldest.seq) : null;
    // Every message the server sends carries all v2 fields, whatever the store (or an older row) left out.
    return c.json({ messages: messages.map(withMessageDefaults), nextCursor });
  });

  /**
   * Who got and read a group message, and when ("Message info"): for current members whose
   * periods hold the message (a former member learns nothing after their removal). A 1:1
   * message's `status` is its whole receipt: `[]` for its two members.
   */
  routes.get('/:id/receipts', async (c) => {
    const me = c.get('userId');
    const { id } = readParams(c.req.param());
    const message = await s.store.getMessage(id);
    if (!message) throw new PigeonError('NOT_FOUND', 'id: no such message');
    if (!isGroupId(message.conversationId)) {
      if (conversationPeer(message.conversationId, me) === null) throw new PigeonError('FORBIDDEN', 'id: not a member of this conversation');
      return c.json({ receipts: [] });
    }
    const periods = await s.store.memberPeriods(message.conversationId, me);
    const current = periods.at(-1)?.toSeq === null;
    if (!current || !periods.some((p) => periodHolds(p, message.seq))) throw new PigeonError('FORBIDDEN', 'id: not a member for this message');
    return c.json({ receipts: (await s.store.messageReceipts(id)) ?? [] });
  });

  routes.post('/', async (c) => {
    const me = c.get('userId');
    const input = await readJson(c, sendMessageBodySchema);
    const outcome = await s.sends.send(me, input);
    s.sends.announce(outcome);
    return c.json({ message: outcome.message }, outcome.created ? 201 : 200);
  });

  /**
   * Batched sends (extension; sync-protocol events/send-batch.ts): 200 `{ results }`, a prefix of
   * the batch in order, each as a `send-message` ack; a whole-request error (auth, body) stores nothing.
   */
  routes.post('/batch', async (c) => {
    const me = c.get('userId');
    const { messages } = await readJson(c, sendMessagesBodySchema);
    const answers = await s.sends.sendBatch(me, messages);
    const results = toBatchResults(answers, s.log);
    for (const outcome of storedOf(answers)) s.sends.announce(outcome);
    return c.json({ results });
  });

  /** The caller's periods of a group; FORBIDDEN if never a member, NOT_FOUND if no such group. */
  async function readablePeriods(conversationId: string, me: string): Promise<MemberPeriod[]> {
    const periods = await s.store.memberPeriods(conversationId, me);
    if (periods.length > 0) return periods;
    if (!(await s.store.getGroup(conversationId))) throw new PigeonError('NOT_FOUND', 'id: no such group');
    throw new PigeonError('FORBIDDEN', 'id: not a member of this group');
  }

  return routes;
}


function readParams(params: Record<string, string>) {
  const parsed = messageParamSchema.safeParse(params);
  if (!parsed.success) throw new PigeonError('VALIDATION', 'id: invalid message id');
  return parsed.data;
}
