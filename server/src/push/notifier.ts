/**
 * From "messages were stored" to push jobs: who gets a push for each new message, with which
 * payload. Called after the commit (SendService.announce), it only queues the message and
 * returns; the look-ups run later, batched per event-loop turn (a group commit announces many
 * messages at once), one flush at a time, so a burst of sends costs a few store reads, and a
 * send's ack never waits for any of it.
 *
 * Recipients: a 1:1 message's peer; a group message's members as its commit read them (the send's
 * `viewers`: a member removed before it gets nothing, even while a notice of the removal is still on
 * its way to this node), else this node's copy of the group (`groupOf`). Never the sender, never a
 * system message, never someone who muted the conversation (mutedAmong). Each recipient's every
 * subscription gets one push; its `preview` decides whether the text is in it.
 */
import { withMessageDefaults, type Message } from '@pigeon/sync-protocol';
import { isGroupId } from '../groups/memberships.ts';
import type { Logger } from '../log.ts';
import type { GroupRecord, PushSubscriptionRecord, Store } from '../store/store.ts';
import type { PushJob } from './dispatcher.ts';
import { buildPushPayload } from './payload.ts';
import { pushTopic } from './topic.ts';

export type NotifierStore = Pick<Store, 'getUsers' | 'mutedAmong' | 'pushSubscriptionsOf'>;

export interface NotifierOptions {
  store: NotifierStore;
  /**
   * A group with its current members, from this node's copy (groups/memberships.ts: every membership
   * change updates it): its title, and its members when a send came without `viewers`. Not a store
   * read per group of every commit: on FerretDB `getGroup` scans the messages collection twice, and
   * group sends fell from 1,733 to 256 msgs/s (bench figure 9).
   */
  groupOf(groupId: string): Promise<GroupRecord | null>;
  enqueue(job: PushJob): void;
  log: Logger;
  /** Messages waiting for a flush; past it the oldest are skipped (the store is too slow to keep up). */
  maxPending?: number;
}

/** A stored message, and the members its commit read (a group message, when the store said). */
interface Stored {
  message: Message;
  viewers?: readonly string[] | undefined;
}

export class PushNotifier {
  private pending: Stored[] = [];
  private flushing: Promise<void> | null = null;
  private closed = false;
  private readonly maxPending: number;

  constructor(private readonly o: NotifierOptions) {
    this.maxPending = o.maxPending ?? 10_000;
  }

  /** A new message was committed (with a group message's `viewers` when the store gave them). Returns at once; never throws. */
  messageStored(message: Message, viewers?: readonly string[]): void {
    if (this.closed || message.type === 'system') return;
    if (this.pending.length >= this.maxPending) {
      this.pending.shift();
      this.o.log.warn({ maxPending: this.maxPending }, 'push notifier behind: skipped the oldest message');
    }
    this.pending.push({ message, viewers });
    this.flushing ??= this.flushLoop();
  }

  /** Resolves once every message given so far was turned into jobs (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** Stops taking messages and waits for the flush in progress. */
  async close(): Promise<void> {
    this.closed = true;
    this.pending = [];
    await this.idle();
  }

  private async flushLoop(): Promise<void> {
    // One turn later, so the messages of one group commit arrive together.
    await new Promise((r) => setImmediate(r));
    try {
      while (this.pending.length > 0 && !this.closed) {
        const batch = this.pending.splice(0);
        await this.notify(batch).catch((err) => this.o.log.warn({ err, messages: batch.length }, 'push notifier: could not read recipients; these messages get no push'));
      }
    } finally {
      this.flushing = null;
    }
  }

  private async notify(batch: readonly Stored[]): Promise<void> {
    const { store } = this.o;
    const groupIds = [...new Set(batch.map((b) => b.message.conversationId).filter(isGroupId))];
    const groups = new Map((await Promise.all(groupIds.map((id) => this.o.groupOf(id)))).flatMap((g) => (g ? [[g.id, g] as const] : [])));
    const recipientsOf = ({ message: m, viewers }: Stored): string[] => {
      if (!isGroupId(m.conversationId)) return m.recipientId !== m.senderId ? [m.recipientId] : [];
      return (viewers ?? (groups.get(m.conversationId)?.members ?? []).map((x) => x.userId)).filter((id) => id !== m.senderId);
    };
    const everyone = [...new Set(batch.flatMap(recipientsOf))];
    if (everyone.length === 0) return;
    const subscriptions = new Map<string, PushSubscriptionRecord[]>();
    for (const s of await store.pushSubscriptionsOf(everyone)) subscriptions.set(s.userId, [...(subscriptions.get(s.userId) ?? []), s]);
    const targets = batch.map((b) => ({ message: b.message, users: recipientsOf(b).filter((id) => subscriptions.has(id)) })).filter((t) => t.users.length > 0);
    if (targets.length === 0) return;

    // Mutes, once per conversation of the batch; display names, once per sender.
    const usersByConversation = new Map<string, Set<string>>();
    for (const t of targets) usersByConversation.set(t.message.conversationId, new Set([...(usersByConversation.get(t.message.conversationId) ?? []), ...t.users]));
    const mutedEntries = await Promise.all([...usersByConversation].map(async ([id, users]) => [id, new Set(await store.mutedAmong(id, [...users]))] as const));
    const muted = new Map(mutedEntries);
    const senders = new Map((await store.getUsers([...new Set(targets.map((t) => t.message.senderId))])).map((u) => [u.id, u]));

    for (const { message, users } of targets) {
      const sender = senders.get(message.senderId);
      const group = groups.get(message.conversationId);
      const full = withMessageDefaults(message);
      const who = { id: message.senderId, displayName: sender?.displayName ?? '' };
      const payloads = new Map<boolean, string>();
      const payloadFor = (preview: boolean) => {
        let p = payloads.get(preview);
        if (p === undefined) payloads.set(preview, (p = JSON.stringify(buildPushPayload(full, who, group ? group.title : null, preview))));
        return p;
      };
      for (const userId of users) {
        if (muted.get(message.conversationId)?.has(userId)) continue;
        for (const s of subscriptions.get(userId) ?? []) {
          this.o.enqueue({
            endpoint: s.endpoint,
            keys: { p256dh: s.p256dh, auth: s.auth },
            payload: payloadFor(s.preview),
            // A direct message is for one person: deliver it now. A group's may wait for the device's next wake.
            urgency: group ? 'normal' : 'high',
            topic: pushTopic(message.conversationId),
          });
        }
      }
    }
  }
}
