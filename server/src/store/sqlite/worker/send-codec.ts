import { directConversationId, type Attachment, type Message, type PigeonError, type ReplyRef } from '@pigeon/sync-protocol';
import type { SendOutcome, SendRequest } from '../../store.ts';
import { newMessage } from '../rows.ts';
import { fromWireError, toWireError, type WireError } from './rpc.ts';

/**
 * The group commit's wire form between the event loop and the store thread.
 * Structured clone walks every object, and a batch is hundreds of sends, so a
 * batch travels as one flat array of strings, and a new message comes back as
 * only what the store decided (id, seq, createdAt): the rest is the request.
 */
export type PackedBatch = string[];
/**
 * Created: `[id, seq, createdAt]`, then the quote the store resolved for a reply (or null) and the
 * attachments it carries, when it has either, and a group message's `viewers` (one array per group
 * and batch: structured clone copies a shared array once). A resend: the stored message, which may differ
 * from the request. Refused (a group send by a non-member, a reply to no message of the
 * conversation, an attachment it may not carry): the error, as it crosses threads.
 */
export type PackedOutcome =
  | [string, number, string]
  | [string, number, string, ReplyRef | null]
  | [string, number, string, ReplyRef | null, Attachment[]]
  | [string, number, string, ReplyRef | null, Attachment[], string[]]
  | Message
  | { refused: WireError };

/**
 * senderId, recipientId, clientId, body, conversationId ('' for a 1:1 send), replyTo ('' for none),
 * attachmentIds (a JSON array, '' for none).
 */
const FIELDS = 7;

export function packBatch(batch: readonly SendRequest[]): PackedBatch {
  const out = new Array<string>(batch.length * FIELDS);
  batch.forEach((r, i) => {
    out[i * FIELDS] = r.senderId;
    out[i * FIELDS + 1] = r.recipientId;
    out[i * FIELDS + 2] = r.clientId;
    out[i * FIELDS + 3] = r.body;
    out[i * FIELDS + 4] = r.conversationId ?? '';
    out[i * FIELDS + 5] = r.replyTo ?? '';
    out[i * FIELDS + 6] = r.attachmentIds ? JSON.stringify(r.attachmentIds) : '';
  });
  return out;
}

export function unpackBatch(packed: PackedBatch): SendRequest[] {
  const out: SendRequest[] = [];
  for (let i = 0; i + FIELDS <= packed.length; i += FIELDS) {
    const r: SendRequest = { senderId: packed[i]!, recipientId: packed[i + 1]!, clientId: packed[i + 2]!, body: packed[i + 3]! };
    const conversationId = packed[i + 4]!;
    if (conversationId !== '') r.conversationId = conversationId;
    const replyTo = packed[i + 5]!;
    if (replyTo !== '') r.replyTo = replyTo;
    const attachmentIds = packed[i + 6]!;
    if (attachmentIds !== '') r.attachmentIds = JSON.parse(attachmentIds) as string[];
    out.push(r);
  }
  return out;
}

export const packOutcomes = (outcomes: readonly SendOutcome[]): PackedOutcome[] =>
  outcomes.map((o): PackedOutcome => {
    if (o.refused) return { refused: toWireError(o.refused) };
    if (!o.created) return o.message;
    const { id, seq, createdAt, replyTo, attachments } = o.message;
    if (o.viewers) return [id, seq, createdAt, replyTo ?? null, attachments ?? [], o.viewers];
    if (attachments && attachments.length > 0) return [id, seq, createdAt, replyTo ?? null, attachments];
    return replyTo ? [id, seq, createdAt, replyTo] : [id, seq, createdAt];
  });

export function unpackOutcomes(batch: readonly SendRequest[], packed: readonly PackedOutcome[]): SendOutcome[] {
  if (packed.length !== batch.length) {
    throw new Error(`store thread returned ${packed.length} outcomes for ${batch.length} sends`);
  }
  return batch.map((r, i): SendOutcome => {
    const p = packed[i]!;
    // A refusal is always a PigeonError, and comes back as one (fromWireError keeps the code).
    if (!Array.isArray(p)) return 'refused' in p ? { refused: fromWireError(p.refused) as PigeonError } : { message: p, created: false };
    const [id, seq, createdAt, replyTo, attachments, viewers] = p;
    // A group message's recipientId is the group's id (sqlite-store.ts), whatever the request said.
    const message: Message = newMessage(
      {
        id,
        clientId: r.clientId,
        conversationId: r.conversationId || directConversationId(r.senderId, r.recipientId),
        senderId: r.senderId,
        recipientId: r.conversationId || r.recipientId,
        body: r.body,
        seq,
        createdAt,
      },
      replyTo ?? null,
      attachments ?? [],
    );
    return viewers ? { message, created: true, viewers } : { message, created: true };
  });
}
