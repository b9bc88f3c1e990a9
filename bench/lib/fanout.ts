/**
 * Delivery-to-all tracking for group sends (figure 9), pure: no sockets, no clock of its own.
 *
 * A send is tracked by `${senderId}:${clientId}` from emit to its ack (sender) and to
 * `new-message` on every *other* member of its group. It completes when it is acked and every
 * other member has it; its "delivered to all" time is the last member's receipt. Integrity
 * problems, counted in the same `Integrity` shape as the 1:1 load generator's:
 *  - a failed ack (the send is then forgotten: nothing more will come for it), a second ack;
 *  - a second delivery to the same member (before completion; after it, the send is forgotten
 *    and a second delivery shows up as unknown, as in bench/lib/load.ts);
 *  - a delivery to the sender, to a non-member, or naming another conversation (wrongRecipient);
 *  - at check(): sends never acked, member deliveries never made.
 */
import { emptyIntegrity, type Integrity } from './load.ts';

export interface FanoutGroup {
  readonly id: string;
  /** User ids; a send's sender is one of them. */
  readonly members: readonly string[];
  readonly index: ReadonlyMap<string, number>;
}

export function fanoutGroup(id: string, members: readonly string[]): FanoutGroup {
  const index = new Map(members.map((m, i) => [m, i] as const));
  if (index.size !== members.length) throw new Error(`group ${id}: a member is listed twice`);
  return { id, members, index };
}

export interface FanoutSend {
  readonly key: string;
  readonly group: FanoutGroup;
  /** Index of the sender in group.members. */
  readonly sender: number;
  /** Send time (the intended one in paced runs). */
  readonly t0: number;
  /** Sent inside the measurement window: its latencies are sampled. */
  readonly measured: boolean;
  /** seen[i] = 1 once member i has it. */
  readonly seen: Uint8Array;
  /** Other members still without it. */
  remaining: number;
  acked: boolean;
}

export interface FanoutEvents {
  acked?(s: FanoutSend, now: number): void;
  /** One member's receipt. */
  delivered?(s: FanoutSend, now: number): void;
  /** The last other member's receipt. */
  deliveredToAll?(s: FanoutSend, now: number): void;
  /** Acked and delivered to all: the send is forgotten. */
  completed?(s: FanoutSend, now: number): void;
}

type Problem = Exclude<keyof Integrity, 'firstErrors' | 'sent' | 'acked' | 'delivered' | 'missingAcks' | 'missingDeliveries'>;

export class FanoutTracker {
  readonly totals: Integrity = emptyIntegrity();
  private readonly entries = new Map<string, FanoutSend>();

  constructor(private readonly events: FanoutEvents = {}) {}

  /** Sends neither acked nor delivered to all yet. */
  get incomplete(): number {
    return this.entries.size;
  }

  send(key: string, group: FanoutGroup, sender: number, t0: number, measured: boolean): FanoutSend {
    if (this.entries.has(key)) throw new Error(`send ${key} tracked twice`);
    const seen = new Uint8Array(group.members.length);
    seen[sender] = 1;
    const s: FanoutSend = { key, group, sender, t0, measured, seen, remaining: group.members.length - 1, acked: false };
    this.entries.set(key, s);
    this.totals.sent++;
    return s;
  }

  /** The sender's ack; `res` as Socket.io hands it over. */
  ack(s: FanoutSend, res: { ok?: boolean; code?: string; message?: unknown } | undefined, now: number): void {
    if (!res?.ok) {
      // Counted here; forgotten so the run does not wait for deliveries that will never come.
      if (this.entries.delete(s.key)) return this.problem('failedAcks', `${s.key}: ack ${res?.code ?? '?'} ${JSON.stringify(res?.message ?? '')}`);
      return this.problem('doubleAcks', `${s.key}: a failed ack after its send completed or failed`);
    }
    if (s.acked) return this.problem('doubleAcks', `${s.key} acked twice`);
    s.acked = true;
    this.totals.acked++;
    this.events.acked?.(s, now);
    if (s.remaining === 0) this.complete(s, now);
  }

  /** `new-message` with a text message on `userId`'s socket. */
  deliver(userId: string, m: { senderId: string; clientId: string; conversationId: string }, now: number): void {
    const key = `${m.senderId}:${m.clientId}`;
    const s = this.entries.get(key);
    if (!s) return this.problem('unknownDeliveries', `delivery of unknown or already completed ${key} to ${userId}`);
    if (m.conversationId !== s.group.id) return this.problem('wrongRecipient', `${key} of ${s.group.id} arrived as ${m.conversationId} to ${userId}`);
    const i = s.group.index.get(userId);
    if (i === undefined || i === s.sender) return this.problem('wrongRecipient', `${key} delivered to ${i === undefined ? 'non-member' : 'its sender'} ${userId}`);
    if (s.seen[i]) return this.problem('doubleDeliveries', `${key} delivered twice to ${userId}`);
    s.seen[i] = 1;
    s.remaining--;
    this.totals.delivered++;
    this.events.delivered?.(s, now);
    if (s.remaining > 0) return;
    this.events.deliveredToAll?.(s, now);
    if (s.acked) this.complete(s, now);
  }

  problem(kind: Problem, text: string): void {
    this.totals[kind]++;
    if (this.totals.firstErrors.length < 10) this.totals.firstErrors.push(text);
  }

  /** Integrity over everything tracked so far: what is still missing counts as lost. */
  check(): Integrity {
    let missingAcks = 0;
    let missingDeliveries = 0;
    for (const s of this.entries.values()) {
      if (!s.acked) missingAcks++;
      missingDeliveries += s.remaining;
    }
    return { ...this.totals, firstErrors: [...this.totals.firstErrors], missingAcks, missingDeliveries };
  }

  private complete(s: FanoutSend, now: number): void {
    this.entries.delete(s.key);
    this.events.completed?.(s, now);
  }
}
