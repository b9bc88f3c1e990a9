/**
 * Group actions, queued like sends (offline-first): each is a pending system message row, as
 * the server will record it, plus an outbox entry with its own clientId, committed in ONE
 * transaction (outbox.ts `queueRow`). The row is what the UI shows until the server's copy
 * replaces it (same key, `${me}:${clientId}`: the server stores a change's system message once
 * per actor and clientId), and what conversation-summary.ts overlays on the group's title and
 * members meanwhile. The drainer sends the entries of a conversation in order, messages and
 * changes alike; a creation goes first in the lane of its local id (local/rekey.ts).
 */
import { PigeonError } from '../../errors.ts';
import { conversationPeer } from '../../conversation-id.ts';
import { LIMITS } from '../../limits.ts';
import { addMembersBodySchema, createGroupBodySchema, groupTitleSchema } from '../../model/group.ts';
import { sendMessageInputSchema } from '../../model/message.ts';
import type { SystemEvent } from '../../model/system-event.ts';
import { userIdSchema } from '../../model/user.ts';
import { parseOrThrow } from '../../validate.ts';
import type { LocalConversation, LocalMessage } from '../api.ts';
import { conversationType, localGroupId, toLocalConversation, type LocalDb, type StoredConversation } from '../local/local-db.ts';
import { resolveConversationId } from '../local/rekey.ts';
import type { GroupChange } from '../transport/transport.ts';
import type { PreparedFile } from './files.ts';
import { newClientId, queueRow, quoteOf, withFiles } from './outbox.ts';
import { messageTables } from '../local/message-store.ts';

const tables = (db: LocalDb) => [...messageTables(db), db.outbox, db.conversations, db.meta];

/**
 * Creates a group locally, at once: its conversation (id `local:<clientId>`, shown with the title
 * and members given) and its queued creation. `memberIds` may name the creator or not.
 */
export async function commitCreateGroup(db: LocalDb, me: string, title: string, memberIds: readonly string[], clientId = newClientId()): Promise<LocalConversation> {
  const body = parseOrThrow(createGroupBodySchema, { clientId, title, memberIds });
  const others = [...new Set(body.memberIds)].filter((id) => id !== me);
  // The server's limits, checked here too: a group the server would refuse should not look created.
  if (others.length === 0) throw new PigeonError('VALIDATION', 'memberIds: a group needs at least one member besides you');
  if (others.length + 1 > LIMITS.groupMembersMax) throw new PigeonError('VALIDATION', `memberIds: a group has at most ${LIMITS.groupMembersMax} members`);
  const id = localGroupId(body.clientId);
  const system: SystemEvent = { kind: 'group-created', actorId: me, userIds: others, title: body.title };
  return db.transaction('rw', tables(db), async () => {
    await queueRow(db, me, { clientId: body.clientId, conversationId: id, recipientId: id, body: '', type: 'system', system });
    return toLocalConversation((await db.conversations.get(id))!);
  });
}

/**
 * A message into any conversation by id: a group (a local id follows its alias) or a 1:1 one.
 * Refused at once where this device knows the user may not write (a group they left or were
 * removed from): the composer should not look usable there. A stale view is corrected by the
 * server either way (FORBIDDEN fails the message, it is never retried).
 */
export async function commitToConversation(
  db: LocalDb,
  me: string,
  conversationId: string,
  body: string,
  clientId = newClientId(),
  replyTo?: string,
  files: readonly PreparedFile[] = [],
): Promise<LocalMessage> {
  const input = parseOrThrow(sendMessageInputSchema, { clientId, conversationId, body, ...withFiles(files) });
  return db.transaction('rw', [...tables(db), db.files], async () => {
    const id = await resolveConversationId(db, conversationId);
    // A reply's original (by row key) must be in this conversation; its quote shows at once.
    const quote = async () => (replyTo === undefined ? {} : { replyTo: await quoteOf(db, id, replyTo) });
    if (conversationType(id) === 'direct') {
      const peer = conversationPeer(id, me);
      if (!peer || peer === me) throw new PigeonError('NOT_FOUND', 'conversationId: no such conversation');
      return queueRow(db, me, { clientId: input.clientId, conversationId: id, recipientId: peer, body: input.body, ...(await quote()) }, files);
    }
    requireMember(await db.conversations.get(id), me);
    return queueRow(db, me, { clientId: input.clientId, conversationId: id, recipientId: id, body: input.body, ...(await quote()) }, files);
  });
}

/** Renames, adds members, removes one (removing yourself is leaving) or makes one an admin; resolves with the pending system message. */
export async function commitGroupChange(db: LocalDb, me: string, conversationId: string, change: GroupChange, clientId = newClientId()): Promise<LocalMessage> {
  const system = eventFor(me, change);
  return db.transaction('rw', tables(db), async () => {
    const id = await resolveConversationId(db, conversationId);
    const row = await db.conversations.get(id);
    if (row?.type !== 'group') throw new PigeonError('VALIDATION', 'conversationId: not a group');
    requireMember(row, me);
    return queueRow(db, me, { clientId, conversationId: id, recipientId: id, body: '', type: 'system', system });
  });
}

function eventFor(me: string, change: GroupChange): SystemEvent {
  switch (change.kind) {
    case 'rename':
      return { kind: 'title-changed', actorId: me, title: parseOrThrow(groupTitleSchema, change.title) };
    case 'add':
      return { kind: 'members-added', actorId: me, userIds: [...new Set(parseOrThrow(addMembersBodySchema, { userIds: change.userIds }).userIds)] };
    case 'remove': {
      const userId = parseOrThrow(userIdSchema, change.userId);
      return userId === me ? { kind: 'member-left', actorId: me, userIds: [me] } : { kind: 'member-removed', actorId: me, userIds: [userId] };
    }
    case 'promote':
      return { kind: 'member-promoted', actorId: me, userIds: [parseOrThrow(userIdSchema, change.userId)] };
  }
}

function requireMember(row: StoredConversation | undefined, me: string): asserts row is StoredConversation {
  if (!row) throw new PigeonError('NOT_FOUND', 'conversationId: no such conversation');
  if (!row.writable || !row.members.some((m) => m.userId === me)) throw new PigeonError('FORBIDDEN', 'not a member of this group');
}
