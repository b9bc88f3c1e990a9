import { Hono, type Context } from 'hono';
import {
  addMembersBodySchema,
  conversationParamSchema,
  conversationPeer,
  createGroupBodySchema,
  parseOrThrow,
  PigeonError,
  promoteMemberBodySchema,
  removeMemberQuerySchema,
  renameGroupBodySchema,
  setMuteInputSchema,
  userIdSchema,
  withMessageDefaults,
  type ConversationMute,
  type ConversationSummary,
} from '@pigeon/sync-protocol';
import { z } from 'zod';
import { isGroupId } from '../../groups/memberships.ts';
import { summaryOfGroup } from '../../groups/summaries.ts';
import type { GroupOutcome, MuteRecord } from '../../store/store.ts';
import { mutedConversations, summaryOf, withMuted } from '../conversation-summaries.ts';
import type { AppEnv, HttpServices } from '../types.ts';
import { readJson, readQuery } from '../validate.ts';

const memberParamSchema = conversationParamSchema.extend({ userId: userIdSchema });

/**
 * Groups (contract v2, "Conversations and groups"):
 *
 *   POST   /api/conversations                     { clientId, title, memberIds } → 201 (200: the same creator and clientId again)
 *   GET    /api/conversations/:id                 a conversation of the caller's: current members only
 *   PATCH  /api/conversations/:id                 { title, clientId? }   admins
 *   POST   /api/conversations/:id/members         { userIds, clientId? } admins
 *   DELETE /api/conversations/:id/members/:userId ?clientId=             admins; anyone for themself (leave)
 *   PATCH  /api/conversations/:id/members/:userId { role: 'admin', clientId? } admins (make admin; extension)
 *   PUT    /api/conversations/:id/mute        { muted } → 200 { mute }   a member or participant (extension)
 *   GET    /api/conversations/mutes           → 200 { mutes }            every mute record of the caller (extension)
 *
 * A change answers 200 `{ conversation, message }`: the group after it, as the caller sees it,
 * and its system message (null when it changed nothing). The rules are the store's, in its commit.
 */
export function conversationRoutes(s: HttpServices) {
  const routes = new Hono<AppEnv>();

  routes.post('/', async (c) => {
    const me = c.get('userId');
    const outcome = await s.groups.create(me, await readJson(c, createGroupBodySchema));
    return c.json({ conversation: await answer(me, outcome) }, outcome.created ? 201 : 200);
  });

  // Before '/:id', which would take 'mutes' for an id.
  routes.get('/mutes', async (c) => {
    return c.json({ mutes: (await s.store.mutesOf(c.get('userId'))).map(wireMute) });
  });

  /**
   * Mute or unmute for all of the caller's devices (idempotent: the final value). Members of a group
   * and the two people of a direct conversation only (FORBIDDEN; NOT_FOUND for no such group or
   * user). The caller's sockets hear `conversation-muted`: REST has no "this socket", so the one
   * that asked hears it too, with the value it set. Counts against SEND_RATE_LIMIT (writeLimit).
   */
  routes.put('/:id/mute', async (c) => {
    const me = c.get('userId');
    const { id } = params(c, conversationParamSchema);
    const { muted } = await readJson(c, setMuteInputSchema);
    await assertParticipant(me, id);
    await s.writeLimit.take(me);
    const mute = wireMute(await s.store.setMute(me, id, muted, new Date().toISOString()));
    s.fanout.emit([me], 'conversation-muted', { mute });
    return c.json({ mute });
  });

  routes.get('/:id', async (c) => {
    const me = c.get('userId');
    const { id } = params(c, conversationParamSchema);
    if (!isGroupId(id)) {
      if (conversationPeer(id, me) === null) throw new PigeonError('FORBIDDEN', 'id: not a member of this conversation');
      // A direct conversation exists from its first message on.
      const summary = await summaryOf(s, me, id);
      if (!summary) throw new PigeonError('NOT_FOUND', 'id: no messages in this conversation yet');
      return c.json({ conversation: summary });
    }
    const group = await s.store.getGroup(id);
    if (!group) throw new PigeonError('NOT_FOUND', 'id: no such group');
    if (!group.members.some((m) => m.userId === me)) throw new PigeonError('FORBIDDEN', 'id: not a member of this group');
    return c.json({ conversation: (await summaryOf(s, me, id)) ?? withMuted(summaryOfGroup(me, group, null), await mutedConversations(s, me)) });
  });

  routes.patch('/:id', async (c) => {
    const me = c.get('userId');
    const { id } = params(c, conversationParamSchema);
    const { title, clientId } = await readJson(c, renameGroupBodySchema);
    return changed(c, me, await s.groups.change(me, id, { kind: 'rename', title }, clientId));
  });

  routes.post('/:id/members', async (c) => {
    const me = c.get('userId');
    const { id } = params(c, conversationParamSchema);
    const { userIds, clientId } = await readJson(c, addMembersBodySchema);
    return changed(c, me, await s.groups.change(me, id, { kind: 'add', userIds }, clientId));
  });

  routes.delete('/:id/members/:userId', async (c) => {
    const me = c.get('userId');
    const { id, userId } = params(c, memberParamSchema);
    const { clientId } = readQuery(c, removeMemberQuerySchema);
    return changed(c, me, await s.groups.change(me, id, { kind: 'remove', userId }, clientId));
  });

  routes.patch('/:id/members/:userId', async (c) => {
    const me = c.get('userId');
    const { id, userId } = params(c, memberParamSchema);
    const { clientId } = await readJson(c, promoteMemberBodySchema);
    return changed(c, me, await s.groups.change(me, id, { kind: 'promote', userId }, clientId));
  });

  async function changed(c: Context<AppEnv>, me: string, outcome: GroupOutcome) {
    return c.json({ conversation: await answer(me, outcome), message: outcome.message && withMessageDefaults(outcome.message) });
  }

  /** A current member of the group, or one of the two people of a direct conversation (who exists). */
  async function assertParticipant(me: string, id: string): Promise<void> {
    if (!isGroupId(id)) {
      const peer = conversationPeer(id, me);
      if (peer === null) throw new PigeonError('FORBIDDEN', 'id: not a member of this conversation');
      if (!(await s.users.exists(peer))) throw new PigeonError('NOT_FOUND', 'id: no such conversation');
      return;
    }
    const group = await s.store.getGroup(id);
    if (!group) throw new PigeonError('NOT_FOUND', 'id: no such group');
    if (!group.members.some((m) => m.userId === me)) throw new PigeonError('FORBIDDEN', 'id: not a member of this group');
  }

  /** The group as the caller's list shows it (a leaver: without members), or from the outcome if the list has not got it. */
  async function answer(me: string, outcome: GroupOutcome): Promise<ConversationSummary> {
    return (await summaryOf(s, me, outcome.group.id)) ?? summaryOfGroup(me, outcome.group, outcome.message && withMessageDefaults(outcome.message));
  }

  return routes;
}

/** A mute as the wire carries it: without the user (it is always the caller's). */
function wireMute({ conversationId, muted, changedAt }: MuteRecord): ConversationMute {
  return { conversationId, muted, changedAt };
}

function params<S extends z.ZodType>(c: Context<AppEnv>, schema: S): z.infer<S> {
  return parseOrThrow(schema, c.req.param());
}
