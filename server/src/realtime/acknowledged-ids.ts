import { LIMITS } from '@pigeon/sync-protocol';
import { BoundedLru } from '../util/lru.ts';

/**
 * One socket's recently acknowledged message ids (`message-received`). A
 * status only moves forward, so reporting an id delivered twice changes
 * nothing, yet each report cost a store call (on SQLite a write transaction on
 * the store's one thread: 2,000 repeats of 1,000 ids delayed everyone's sends
 * by 2.7 s, issue #13). Clients do repeat themselves (a reconnect, an ack that
 * timed out), so the last batch's ids are remembered and skipped.
 *
 * Bounded to one full batch per socket (~100 KiB at most); an id forgotten
 * early costs one store call that changes nothing.
 */
export class AcknowledgedIds {
  private readonly ids = new BoundedLru<string, true>(LIMITS.receiptIdsMax);

  /** The ids not acknowledged recently, without duplicates, in order. */
  fresh(messageIds: readonly string[]): string[] {
    return [...new Set(messageIds)].filter((id) => !this.ids.has(id));
  }

  /** The store has handled these (whatever it changed). */
  add(messageIds: readonly string[]): void {
    for (const id of messageIds) this.ids.set(id, true);
  }
}
