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
  /** The highest server version shown (#16): a copy applied over a newer one shows a lower one. */
  version: number;
  /** The version shown now is below `version` (reported once while it lasts). */
  versionLow: boolean;
  /** The refusal its row shows (`actionError`), for the history line when it changes. */
  refusal: string;
  /** Shown deleted for everyone with none of this device's actions pending: the server's tombstone. */
  deleted: boolean;
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
    /** Why a message left the list if it may (deleted for me: its row says hidden), or null. */
    private readonly explainGone?: (key: string) => Promise<string | null>,
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
        if ((m.version ?? 0) < prev.version && !prev.versionLow) this.observe('version-backwards', `version ${prev.version} → ${m.version ?? 0}${since}`, m.key);
        if (prev.deleted && !m.deletedAt) this.observe('undeleted', `shown deleted (version ${prev.version}), now ${JSON.stringify(m.body)} (version ${m.version ?? 0})${since}`, m.key);
        if (refusalOf(m) !== prev.refusal) this.history.add('content', `${this.deviceName} ${m.key} refusal shown: ${refusalOf(m) || 'none'}`);
        if ((m.version ?? 0) > prev.version || Boolean(m.deletedAt) !== prev.deleted) {
          this.history.add('content', `${this.deviceName} ${m.key} v${m.version ?? 0}${m.deletedAt ? ' deleted' : ''}${m.editedAt ? ' edited' : ''} ${(m.reactions ?? []).map((r) => r.emoji).join('')} pending ${m.pendingActions ?? 0}`);
        }
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
        version: Math.max(m.version ?? 0, prev?.version ?? 0),
        versionLow: (m.version ?? 0) < (prev?.version ?? 0),
        refusal: refusalOf(m),
        // Undeleted: reported above, once.
        deleted: m.deletedAt ? (prev?.deleted ?? false) || !(m.pendingActions ?? 0) : false,
      });
    }
    for (const [key, prev] of seen) {
      // Shown in an earlier sign-in: another account's sign-in cleared it; it comes back by sync.
      if (!present.has(key) && prev.epoch === epoch && prev.pendingChange) {
        // Judged at the end (invariants-groups.ts): some state of the group must explain "changed nothing".
        this.history.add('status', `${this.deviceName} ${key} pending change dropped from ${conversationId} (changed nothing?)`);
        seen.delete(key);
      } else if (!present.has(key) && prev.epoch === epoch) {
        seen.delete(key);
        const vanished = () => this.observe('vanished', `was shown (${prev.status}, seq ${prev.seq}) and is gone from ${conversationId}`, key);
        if (!this.explainGone) vanished();
        else {
          // Deleted for me leaves the list: judged at the end (invariants-actions.ts), as is a hide nobody made.
          void this.explainGone(key).then(
            (why) => (why ? this.history.add('status', `${this.deviceName} ${key} left ${conversationId}: ${why}`) : vanished()),
            () => vanished(),
          );
        }
      }
    }
  }
}

/** What a row says the server refused ('' for nothing): traced, as the next account's sign-in clears it. */
const refusalOf = (m: LocalMessage): string => (m.actionError ? `${m.actionError.kind} ${m.actionError.code}` : '');
