/**
 * The outbox: messages typed on this device that the server has not acknowledged.
 * A send writes the pending message and its outbox entry in ONE transaction, so
 * there is never a visible pending message that nobody will send, nor an entry
 * without its message. The entry leaves the outbox in the same transaction that
 * stores the server copy (down/store-server-changes.ts) or marks the message failed.
 */
import { toBase64Url } from '../../base64url.ts';
import { PigeonError, type ErrorCode } from '../../errors.ts';
import { directConversationId } from '../../conversation-id.ts';
import { LIMITS } from '../../limits.ts';
import { attachmentsLine, cutText } from '../../model/action-rules.ts';
import { sendMessageInputSchema } from '../../model/message.ts';
import { parseOrThrow } from '../../validate.ts';
import type { LocalMessage } from '../api.ts';
import { refreshConversations } from '../local/conversation-summary.ts';
import { messageKey, toLocalMessage, type GroupOp, type LocalDb, type OutboxEntry, type StoredMessage } from '../local/local-db.ts';
import { localAttachment, storeFiles, uploadClientIdOf, type PreparedFile } from './files.ts';
import { messageStore, messageTables } from '../local/message-store.ts';

/**
 * Local creation time for a new pending message: now, but strictly after the newest
 * pending one, so local order is a total order even within one millisecond or when
 * the clock steps back.
 */
export function nextLocalTime(now: number, newestPendingAt: number | undefined): number {
  return newestPendingAt === undefined ? now : Math.max(now, newestPendingAt + 1);
}

/**
 * The entries the drainer may send now: the oldest entry of each conversation.
 * Later entries of a conversation wait for the head, so the server assigns seqs in
 * the order the user typed; conversations do not wait for each other.
 */
export function laneHeads(entries: readonly OutboxEntry[]): OutboxEntry[] {
  const heads = new Map<string, OutboxEntry>();
  for (const e of [...entries].sort((a, b) => a.localCreatedAt - b.localCreatedAt)) {
    if (!heads.has(e.conversationId)) heads.set(e.conversationId, e);
  }
  return [...heads.values()];
}

/**
 * Inside a transaction over messages and outbox: the local time for the next pending message or
 * action. Actions have no row, so the outbox's newest entry counts too: a message typed right after
 * an action must queue behind it.
 */
export async function nextPendingTime(db: LocalDb): Promise<number> {
  const newest = await db.unackedRows().last();
  const newestEntry = await db.outbox.orderBy('localCreatedAt').last();
  const latest = Math.max(newest?.pendingAt ?? -Infinity, newestEntry?.localCreatedAt ?? -Infinity);
  return nextLocalTime(Date.now(), Number.isFinite(latest) ? latest : undefined);
}

/**
 * 12 hex digits of Unix milliseconds, then 80 random bits in base64url (26 characters). Time
 * first so one sender's clientIds sort by creation: the server's unique (sender, clientId)
 * index then appends instead of touching a random page per message (docs/benchmarks.md).
 * Uniqueness rests on the random part alone, as before.
 */
export function newClientId(now = Date.now()): string {
  // getRandomValues exists in every browser context (randomUUID needs a secure one) and in Node 20.
  const bytes = new Uint8Array(10);
  crypto.getRandomValues(bytes);
  return now.toString(16).padStart(12, '0') + toBase64Url(bytes);
}

/**
 * Validates and stores a new pending 1:1 message plus its outbox entry; resolves after commit. `replyTo`: the original's row key.
 * `files`: prepared before (up/files.ts), written in the same transaction.
 */
export async function commitSend(db: LocalDb, me: string, to: string, body: string, clientId = newClientId(), replyTo?: string, files: readonly PreparedFile[] = []): Promise<LocalMessage> {
  const input = { ...parseOrThrow(sendMessageInputSchema, { clientId, to, body, ...withFiles(files) }), to };
  if (input.to === me) throw new PigeonError('VALIDATION', 'to: cannot send a message to yourself');
  const conversationId = directConversationId(me, input.to);
  return db.transaction('rw', [...messageTables(db), db.outbox, db.conversations, db.files], async () => {
    const quote = replyTo === undefined ? {} : { replyTo: await quoteOf(db, conversationId, replyTo) };
    return queueRow(db, me, { clientId: input.clientId, conversationId, recipientId: input.to, body: input.body, ...quote }, files);
  });
}

/** What validates a send with files: the upload clientIds stand in for the attachment ids (same rules: distinct, 1..10, caption may be ''). */
export const withFiles = (files: readonly PreparedFile[]) => (files.length > 0 ? { attachmentIds: files.map((f) => f.clientId) } : {});

/**
 * The quote a reply typed here shows at once: the original's row key (so the reply can be sent
 * after it even while it is pending: the id is resolved then, up/actions.ts `resolveTargets`), its
 * id if known, and a preview from the local copy. VALIDATION unless a message of the same conversation.
 */
export async function quoteOf(db: LocalDb, conversationId: string, originalKey: string): Promise<NonNullable<LocalMessage['replyTo']>> {
  const original = await messageStore(db).get(originalKey);
  if (!original || original.conversationId !== conversationId || original.type === 'system') throw new PigeonError('VALIDATION', 'replyTo: no such message in this conversation');
  // As the server will store it (replyRefOf): a caption-less photo quotes as '📷 name', never ''.
  const text = original.body !== '' ? original.body : attachmentsLine(original.attachments ?? []);
  const preview = original.deletedAt ? '' : cutText(text, LIMITS.replyPreviewMaxChars);
  return { key: original.key, id: original.id, senderId: original.senderId, preview };
}

/**
 * Stores a new pending row (a message or a group change) and its outbox entry. Must run inside a
 * rw transaction over messages, outbox and conversations (and files, with files), so the row never
 * exists without the entry that sends it, nor the entry without its row, nor a photo without either.
 */
export async function queueRow(
  db: LocalDb,
  me: string,
  fields: Pick<StoredMessage, 'clientId' | 'conversationId' | 'recipientId' | 'body'> & Partial<Pick<StoredMessage, 'type' | 'system' | 'replyTo'>>,
  files: readonly PreparedFile[] = [],
): Promise<LocalMessage> {
  const localCreatedAt = await nextPendingTime(db);
  const row: StoredMessage = {
    key: messageKey(me, fields.clientId),
    id: null,
    senderId: me,
    ...fields,
    seq: null,
    createdAt: new Date(localCreatedAt).toISOString(),
    localCreatedAt,
    status: 'pending',
    pendingAt: localCreatedAt,
    ...(files.length > 0 ? { attachments: files.map(localAttachment) } : {}),
  };
  await db.messages.add(row);
  await db.outbox.add(entryFor(row));
  if (files.length > 0) await storeFiles(db, me, row.key, files);
  await refreshConversations(db, new Map([[row.conversationId, 0]]), me);
  return toLocalMessage(row);
}

/**
 * Permanent failure: the message (or group change) shows as failed with the code; the entry
 * leaves the outbox. A refused group creation takes what was queued behind it in that group
 * with it: there is no group to send it to (retrying the creation re-queues them: `requeue`).
 */
export async function markFailed(db: LocalDb, entry: OutboxEntry, me: string, code: ErrorCode, message: string): Promise<void> {
  await db.transaction('rw', [...messageTables(db), db.outbox, db.conversations], async () => {
    // Message actions behind it stay queued: each fails at the head of the lane on its own (up/actions.ts
    // failAction), which also shows its target without it.
    const behind = entry.op?.kind === 'create' ? (await db.outbox.where('conversationId').equals(entry.conversationId).toArray()).filter((e) => !e.action) : [];
    const failing = [{ entry, message }, ...behind.filter((e) => e.clientId !== entry.clientId).map((e) => ({ entry: e, message: `the group was not created: ${message}` }))];
    for (const f of failing) {
      await db.outbox.delete(f.entry.clientId);
      const row = await messageStore(db).get(f.entry.key);
      // Only a still-unacked row can fail; a server copy that arrived meanwhile wins.
      if (!row || row.seq !== null) continue;
      await messageStore(db).put({ ...row, status: 'failed', error: { code, message: f.message } });
    }
    await refreshConversations(db, new Map([[entry.conversationId, 0]]), me);
  });
}

/** Transient failure: counts the attempt on the entry (if it is still queued). */
export async function recordAttemptFailure(db: LocalDb, entry: OutboxEntry, viaSocket: boolean, error: string): Promise<OutboxEntry | undefined> {
  return db.transaction('rw', db.outbox, async () => {
    const current = await db.outbox.get(entry.clientId);
    if (!current) return undefined;
    const next = { ...current, attempts: current.attempts + 1, socketFailures: current.socketFailures + (viaSocket ? 1 : 0), lastError: error };
    await db.outbox.put(next);
    return next;
  });
}

/**
 * Re-queues a failed message (`retry`). It keeps its key and clientId (the server never
 * stored it: failures are permanent only when the server refused it) and moves to the end
 * of the local order, since it will now be sent after everything already queued. Its files are
 * uploaded again (after a status query, so an upload the server still holds costs no byte). Retrying a
 * refused group creation re-queues what failed with it too, behind it and in its order.
 */
export async function requeue(db: LocalDb, key: string, me: string): Promise<void> {
  await db.transaction('rw', [...messageTables(db), db.outbox, db.conversations, db.files], async () => {
    const row = await messageStore(db).get(key);
    if (!row) throw new PigeonError('NOT_FOUND', `no message ${key}`);
    if (row.status !== 'failed') return; // pending: already queued; acked: nothing to do
    const behind =
      row.system?.kind === 'group-created'
        ? (await db.inConversation('unacked', row.conversationId).toArray()).filter((r) => r.key !== key && r.status === 'failed')
        : [];
    for (const failed of [row, ...behind]) {
      const localCreatedAt = await nextPendingTime(db);
      const { error: _error, ...rest } = failed;
      const next: StoredMessage = { ...rest, status: 'pending', localCreatedAt, pendingAt: localCreatedAt, createdAt: new Date(localCreatedAt).toISOString() };
      await messageStore(db).put(next);
      await db.outbox.put(entryFor(next));
      // Its files go up again: the server may have swept an upload never sent (the send refused), and a
      // status query first finds one that is still there (same clientId) without sending a byte.
      await db.files.where('messageKey').equals(failed.key).modify((f) => {
        delete f.attachment;
        delete f.attachmentId;
      });
    }
    await refreshConversations(db, new Map([[row.conversationId, 0]]), me);
  });
}

/** The outbox entry that sends a pending row: a message, or the group change its system event records. */
export function entryFor(row: StoredMessage): OutboxEntry {
  const op = row.type === 'system' ? groupOpFor(row) : undefined;
  // Attachments still under their local id: their files rows are uploaded before the message is sent.
  const uploads = (row.attachments ?? []).flatMap((a) => {
    const id = uploadClientIdOf(a.id);
    return id === null ? [] : [id];
  });
  return {
    clientId: row.clientId,
    key: row.key,
    conversationId: row.conversationId,
    to: row.recipientId,
    body: row.body,
    localCreatedAt: row.localCreatedAt,
    attempts: 0,
    socketFailures: 0,
    ...(op ? { op } : {}),
    ...(row.replyTo ? { replyTo: { key: row.replyTo.key ?? null, id: row.replyTo.id } } : {}),
    ...(uploads.length > 0 ? { uploads } : {}),
  };
}

/** The change a pending system row stands for; the row alone is enough to queue it again (retry). */
export function groupOpFor(row: Pick<StoredMessage, 'system'>): GroupOp | undefined {
  const e = row.system;
  switch (e?.kind) {
    case 'group-created':
      return { kind: 'create', title: e.title ?? '', memberIds: e.userIds ?? [] };
    case 'title-changed':
      return { kind: 'rename', title: e.title ?? '' };
    case 'members-added':
      return { kind: 'add', userIds: e.userIds ?? [] };
    case 'member-removed':
      return { kind: 'remove', userId: e.userIds?.[0] ?? '' };
    case 'member-left':
      return { kind: 'remove', userId: e.actorId };
    case 'member-promoted':
      return { kind: 'promote', userId: e.userIds?.[0] ?? '' };
    default:
      return undefined;
  }
}
