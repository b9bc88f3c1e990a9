/** The newest message a batch committed in a conversation. */
export interface CommittedPointer {
  seq: number;
  createdAt: string;
}

/**
 * Conversation pointers (`lastCommittedSeq`, `updatedAt`) this process has committed
 * messages for but not written yet. Writing them right after each insert costs a write per
 * conversation per batch (on FerretDB each is an fsync'd SQLite transaction); instead they
 * ride along with the conversation's next seq allocation, which writes that document
 * anyway. A lagging pointer only widens the seq range the conversation list reads
 * (`[lastCommittedSeq, lastSeq]`), by at most one batch per node, so it stays correct.
 */
export class PendingPointers {
  private readonly pending = new Map<string, CommittedPointer>();

  get size(): number {
    return this.pending.size;
  }

  record(inserted: readonly { conversationId: string; seq: number; createdAt: string }[]): void {
    for (const d of inserted) this.put(d.conversationId, { seq: d.seq, createdAt: d.createdAt });
  }

  /** Removes and returns the conversation's pointer; `restore` it if the write carrying it fails. */
  take(conversationId: string): CommittedPointer | undefined {
    const p = this.pending.get(conversationId);
    this.pending.delete(conversationId);
    return p;
  }

  restore(conversationId: string, pointer: CommittedPointer | undefined): void {
    if (pointer) this.put(conversationId, pointer);
  }

  /** Removes and returns all of them. */
  drain(): [string, CommittedPointer][] {
    const all = [...this.pending];
    this.pending.clear();
    return all;
  }

  private put(conversationId: string, pointer: CommittedPointer): void {
    const cur = this.pending.get(conversationId);
    if (!cur || pointer.seq > cur.seq) this.pending.set(conversationId, pointer);
  }
}
