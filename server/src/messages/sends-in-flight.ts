import type { SendOutcome } from '../store/store.ts';

/**
 * This node's sends still queued or committing, by sender and clientId, so that a re-send of one
 * waits for its first copy instead of queuing a second. A client sends again whatever its ack
 * timeout (5 s) or a reconnect left unanswered; on a store that is slower than that (FerretDB
 * scans the collection for each lookup, and a duplicate insert costs one), every re-send added work
 * to the lane it was waiting for: at load 9, a 2-node chaos run left a node's sends unacked for
 * 87 s (docs/reliability.md, session 25). Receipts had the same spiral (C9, receipt-coalescing.ts).
 *
 * The re-send is answered as a duplicate (`created: false`): the first copy's answer announces the
 * message, once. Only this node's sends are known: a re-send that reaches another node is
 * deduplicated by the store, as before.
 */
export class SendsInFlight {
  private readonly pending = new Map<string, Promise<SendOutcome>>();

  /** A copy of this send is still queued or committing here. */
  has(senderId: string, clientId: string): boolean {
    return this.pending.has(keyOf(senderId, clientId));
  }

  /** The first copy's outcome as a re-send sees it, if that copy is still queued or committing here. */
  first(senderId: string, clientId: string): Promise<SendOutcome> | undefined {
    return this.pending.get(keyOf(senderId, clientId))?.then(asDuplicate);
  }

  /** Remembers a send until it settles; returns it unchanged. */
  track(senderId: string, clientId: string, outcome: Promise<SendOutcome>): Promise<SendOutcome> {
    const key = keyOf(senderId, clientId);
    this.pending.set(key, outcome);
    const forget = () => {
      if (this.pending.get(key) === outcome) this.pending.delete(key);
    };
    outcome.then(forget, forget);
    return outcome;
  }
}

const keyOf = (senderId: string, clientId: string) => `${senderId}\n${clientId}`;

// Without `viewers`: the store names them only on the copy it created (store.ts StoredOutcome).
const asDuplicate = (outcome: SendOutcome): SendOutcome => (outcome.refused ? outcome : { message: outcome.message, created: false });
