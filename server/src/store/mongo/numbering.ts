import { BoundedLru } from '../../util/lru.ts';
import type { MongoContext } from './context.ts';

/** Conversations whose last seq this process remembers; others are read again when next written. */
const SEQ_HINTS_MAX = 100_000;

/**
 * Where this process expects the next change-log position and the next seq of each
 * conversation to be. These are guesses, never allocations: a number is taken only by
 * inserting the document that carries it into a unique index (`changePos_unique`,
 * `conversation_seq_unique`), and a guess that another node took first is refused by the
 * index, read again from the committed documents, and retried (log-insert.ts).
 *
 * Every guess is one past a number seen committed (by our own insert, or as the largest
 * in the collection), so a document is only ever inserted right after a committed one:
 * seqs are gap-free whatever dies when, and change-log positions become visible in
 * increasing order across all nodes (docs/architecture.md, "Writes without a lock").
 */
export class Numbering {
  private position: number | null = null;
  private readonly seqs = new BoundedLru<string, number>(SEQ_HINTS_MAX);

  constructor(private readonly ctx: Pick<MongoContext, 'messages'>) {}

  /** The first position to try for the next entry. */
  async nextPosition(): Promise<number> {
    if (this.position === null) await this.refreshPosition();
    return this.position! + 1;
  }

  /** The first seq to try for the conversation's next message. */
  async nextSeq(conversationId: string): Promise<number> {
    const known = this.seqs.get(conversationId);
    return (known ?? (await this.refreshSeq(conversationId))) + 1;
  }

  /** After a refusal: the largest position committed anywhere. */
  async refreshPosition(): Promise<number> {
    const [top] = await this.ctx.messages.find({}, { projection: { changePos: 1 } }).sort({ changePos: -1 }).limit(1).toArray();
    this.position = Math.max(this.position ?? 0, top?.changePos ?? 0);
    return this.position;
  }

  /** After a refusal: the conversation's largest committed seq. */
  async refreshSeq(conversationId: string): Promise<number> {
    const [top] = await this.ctx.messages
      .find({ conversationId }, { projection: { seq: 1 } })
      .sort({ seq: -1 })
      .limit(1)
      .toArray();
    const seq = Math.max(this.seqs.get(conversationId) ?? 0, top?.seq ?? 0);
    this.seqs.set(conversationId, seq);
    return seq;
  }

  /** A conversation whose document this process just created: it has no message yet. */
  startsEmpty(conversationId: string): void {
    if (this.seqs.get(conversationId) === undefined) this.seqs.set(conversationId, 0);
  }

  /** Documents this process just inserted: the next guesses follow them. */
  committed(docs: readonly { changePos: number; conversationId?: string; seq?: number; kind?: string }[]): void {
    for (const d of docs) {
      if (this.position === null || d.changePos > this.position) this.position = d.changePos;
      // Entries (receipts, actions) number no conversation: an action's seq is a message's version.
      if (d.kind === undefined && d.conversationId !== undefined && d.seq !== undefined && d.seq > 0) {
        if (d.seq > (this.seqs.get(d.conversationId) ?? 0)) this.seqs.set(d.conversationId, d.seq);
      }
    }
  }
}
