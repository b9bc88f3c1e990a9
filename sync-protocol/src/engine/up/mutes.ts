/**
 * Per-chat mute, offline-first (model/notifications.ts): `setMuted` shows at once on the
 * conversation row and queues an outbox entry (`mute`) in the chat's lane; the drainer sends
 * `PUT /api/conversations/:id/mute` with its value (idempotent: the value, not a toggle) and stores
 * the server's answer. A chat holds at most one queued mute: a newer change replaces the queued
 * one, so only the last value is sent (the one in flight, if any, is answered and then overruled).
 *
 * What the server says (an answer, a `conversation-muted` event from another device, the list
 * fetched after each catch-up, `muted` on conversation summaries) is applied unless this device
 * still has a mute of that chat queued: the local change is newer than anything the server could
 * say, and will be the server's last word once sent.
 *
 * A mute entry carries `targetKey` `mute:<conversationId>`, so the state counts it with the
 * actions (`outboxActions`), not as a message waiting.
 */
import type { ConversationMute } from '../../model/notifications.ts';
import { messageKey, type LocalDb, type OutboxEntry } from '../local/local-db.ts';
import { resolveConversationId } from '../local/rekey.ts';
import { signedInAs } from '../local/session.ts';
import { PigeonError } from '../../errors.ts';
import { newClientId, nextPendingTime } from './outbox.ts';
import { messageTables } from '../local/message-store.ts';

export type MuteEntry = OutboxEntry & { mute: { muted: boolean } };

export const isMuteEntry = (e: OutboxEntry): e is MuteEntry => e.mute !== undefined;

/** The queued mute entries of a chat (inside a transaction over the outbox). */
async function queuedMutes(db: LocalDb, conversationId: string): Promise<MuteEntry[]> {
  return (await db.outbox.where('conversationId').equals(conversationId).toArray()).filter(isMuteEntry);
}

/** Applies the change to the row and queues it, replacing a queued one, in one transaction. */
export async function commitMute(db: LocalDb, me: string, conversationId: string, muted: boolean, clientId = newClientId()): Promise<void> {
  await db.transaction('rw', [db.meta, db.conversations, db.outbox, ...messageTables(db)], async () => {
    const id = await resolveConversationId(db, conversationId);
    const row = await db.conversations.get(id);
    if (!row) throw new PigeonError('NOT_FOUND', `no conversation ${conversationId}`);
    await db.conversations.put({ ...row, muted });
    await db.outbox.bulkDelete((await queuedMutes(db, id)).map((e) => e.clientId));
    const localCreatedAt = await nextPendingTime(db);
    const entry: MuteEntry = {
      clientId,
      key: messageKey(me, clientId),
      conversationId: id,
      to: id,
      body: '',
      localCreatedAt,
      attempts: 0,
      socketFailures: 0,
      mute: { muted },
      targetKey: `mute:${id}`,
    };
    await db.outbox.add(entry);
  });
}

/**
 * The server answered the entry (or refused it for good: `mute` null, nothing to record, but the
 * entry goes). Unless a newer change of the chat is queued behind it, the row then shows the
 * newest record the server gave: this answer, or an event of another device's later change that
 * came while the entry was out (server order decides between devices).
 */
export async function settleMute(db: LocalDb, entry: MuteEntry, mute: ConversationMute | null): Promise<void> {
  await db.transaction('rw', [db.conversations, db.outbox], async () => {
    await db.outbox.delete(entry.clientId);
    await takeServer(db, mute ?? { conversationId: entry.conversationId });
  });
}

/** A mute as the server states it; `changedAt` absent: a summary's flag (no time: it only fills a gap). */
export type ServerMute = Pick<ConversationMute, 'conversationId'> & Partial<Pick<ConversationMute, 'muted' | 'changedAt'>>;

/**
 * The server's mutes of `me` (an event, the list after a catch-up, summaries): each recorded when
 * newer than what the row knows, and shown unless a local change of that chat is queued. Nothing
 * when another account is signed in by now.
 */
export async function applyServerMutes(db: LocalDb, me: string, mutes: readonly ServerMute[]): Promise<void> {
  if (mutes.length === 0) return;
  await db.transaction('rw', [db.meta, db.conversations, db.outbox], async () => {
    if (!(await signedInAs(db, me))) return;
    for (const mute of mutes) await takeServer(db, mute);
  });
}

/**
 * Inside a rw transaction over conversations and outbox. The row keeps the newest record heard
 * (`serverMute`, by server time: a list fetched before an event but answered after it does not
 * undo it). A chat the device has no row of yet is skipped: the list after the catch-up that
 * creates the row brings it.
 */
async function takeServer(db: LocalDb, mute: ServerMute): Promise<void> {
  const row = await db.conversations.get(mute.conversationId);
  if (!row) return;
  let known = row.serverMute;
  if (mute.muted !== undefined) {
    const fresher = mute.changedAt === undefined ? known === undefined : known === undefined || mute.changedAt > known.changedAt;
    if (fresher) known = { muted: mute.muted, changedAt: mute.changedAt ?? '' };
  }
  const queued = (await queuedMutes(db, mute.conversationId)).length > 0;
  const shown = queued ? row.muted : (known?.muted ?? false);
  if (known === row.serverMute && (row.muted ?? false) === (shown ?? false)) return;
  await db.conversations.put({ ...row, ...(known ? { serverMute: known } : {}), muted: shown ?? false });
}
