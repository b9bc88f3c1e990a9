import { directConversationId, type Message } from '@pigeon/sync-protocol';
import type { SendOutcome, SendRequest } from '../../store.ts';

/**
 * The group commit's wire form between the event loop and the store thread.
 * Structured clone walks every object, and a batch is hundreds of sends, so a
 * batch travels as one flat array of strings, and a new message comes back as
 * only what the store decided (id, seq, createdAt): the rest is the request.
 */
export type PackedBatch = string[];
/** Created: `[id, seq, createdAt]`. A resend: the stored message, which may differ from the request. */
export type PackedOutcome = [string, number, string] | Message;

const FIELDS = 4;

export function packBatch(batch: readonly SendRequest[]): PackedBatch {
  const out = new Array<string>(batch.length * FIELDS);
  batch.forEach((r, i) => {
    out[i * FIELDS] = r.senderId;
    out[i * FIELDS + 1] = r.recipientId;
    out[i * FIELDS + 2] = r.clientId;
    out[i * FIELDS + 3] = r.body;
  });
  return out;
}

export function unpackBatch(packed: PackedBatch): SendRequest[] {
  const out: SendRequest[] = [];
  for (let i = 0; i + FIELDS <= packed.length; i += FIELDS) {
    out.push({ senderId: packed[i]!, recipientId: packed[i + 1]!, clientId: packed[i + 2]!, body: packed[i + 3]! });
  }
  return out;
}

export const packOutcomes = (outcomes: readonly SendOutcome[]): PackedOutcome[] =>
  outcomes.map(({ message: m, created }) => (created ? [m.id, m.seq, m.createdAt] : m));

export function unpackOutcomes(batch: readonly SendRequest[], packed: readonly PackedOutcome[]): SendOutcome[] {
  if (packed.length !== batch.length) {
    throw new Error(`store thread returned ${packed.length} outcomes for ${batch.length} sends`);
  }
  return batch.map((r, i) => {
    const p = packed[i]!;
    if (!Array.isArray(p)) return { message: p, created: false };
    const [id, seq, createdAt] = p;
    const message: Message = {
      id,
      clientId: r.clientId,
      conversationId: directConversationId(r.senderId, r.recipientId),
      senderId: r.senderId,
      recipientId: r.recipientId,
      body: r.body,
      seq,
      createdAt,
      status: 'sent',
    };
    return { message, created: true };
  });
}
