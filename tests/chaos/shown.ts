import type { LocalMessage } from '../../sync-protocol/src/engine/api.ts';
import type { History } from './history.ts';
import { rank, type ObservationKind } from './invariants.ts';

interface Seen {
  /** The furthest status ever shown, and its rank: a later, lower one is a regression. */
  maxRank: number;
  maxStatus: string;
  /** The status shown last (for the history line of the next change). */
  status: string;
  seq: number | null;
  /** A regression is reported once, not on every re-query while it lasts. */
  regressed: boolean;
  /** The sign-in it was last shown in: only a message shown since the current sign-in can vanish. */
  epoch: number;
  /** A group change not acked yet: the engine drops it when the server says it changed nothing. */
  pendingChange: boolean;
}

/**
 * What a device has shown, per account and conversation: a status that moves backwards, a seq
 * that changes or a message that disappears is reported (observe) when it happens, not only at
 * the end. Kept per account so that, after an account switch and back, a message must
 * reappear no less advanced than it was shown before.
 */
export class ShownMessages {
  /** account id → conversation id → message key → what was shown. */
  private readonly seen = new Map<string, Map<string, Map<string, Seen>>>();

  constructor(
    private readonly deviceName: string,
    private readonly history: History,
    private readonly observe: (kind: ObservationKind, detail: string, key?: string) => void,
  ) {}

  compare(accountId: string, accountName: string, conversationId: string, list: LocalMessage[], epoch: number): void {
    let byConversation = this.seen.get(accountId);
    if (!byConversation) this.seen.set(accountId, (byConversation = new Map()));
    let seen = byConversation.get(conversationId);
    if (!seen) byConversation.set(conversationId, (seen = new Map()));
    const present = new Set<string>();
    for (const m of list) {
      present.add(m.key);
      const prev = seen.get(m.key);
      const r = rank(m.status);
      let regressed = false;
      if (prev) {
        // 'failed' ranks with 'pending'; a failed send that later succeeds moves forward.
        // A seq dropping back to null shows up as a status regression (acked → pending).
        const since = prev.epoch === epoch ? '' : ` (shown before ${accountName} last signed out here)`;
        regressed = r < prev.maxRank;
        if (regressed && !prev.regressed) this.observe('status-backwards', `${prev.maxStatus} → ${m.status}${since}`, m.key);
        if (prev.seq !== null && m.seq !== null && m.seq !== prev.seq) this.observe('seq-changed', `seq ${prev.seq} → ${m.seq}${since}`, m.key);
        if (prev.status !== m.status) this.history.add('status', `${this.deviceName} ${m.key} ${prev.status} → ${m.status}`);
      }
      const forward = !prev || r >= prev.maxRank;
      seen.set(m.key, {
        maxRank: forward ? r : prev.maxRank,
        maxStatus: forward ? m.status : prev.maxStatus,
        status: m.status,
        seq: m.seq ?? prev?.seq ?? null,
        regressed,
        epoch,
        pendingChange: m.type === 'system' && m.seq === null,
      });
    }
    for (const [key, prev] of seen) {
      // Shown in an earlier sign-in: another account's sign-in cleared it; it comes back by sync.
      if (!present.has(key) && prev.epoch === epoch && prev.pendingChange) {
        // Judged at the end (invariants-groups.ts): some state of the group must explain "changed nothing".
        this.history.add('status', `${this.deviceName} ${key} pending change dropped from ${conversationId} (changed nothing?)`);
        seen.delete(key);
      } else if (!present.has(key) && prev.epoch === epoch) {
        this.observe('vanished', `was shown (${prev.status}, seq ${prev.seq}) and is gone from ${conversationId}`, key);
        seen.delete(key);
      }
    }
  }
}
