import type { Message } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import type { FeedOptions, UserRecord } from '../../store.ts';
import type { ActionFixture } from './action-fixture.ts';
import type { ContractFixture } from './fixture.ts';

const OMIT: FeedOptions = { omitOwnDelivered: true };
const now = () => new Date().toISOString();
const ids = (messages: readonly Message[]) => messages.map((m) => m.id);

/**
 * The feed with `omitOwnDelivered` (store.ts FeedOptions; GET /api/sync `omit=own-delivered`):
 * the reader's own delivered markings of the 1:1 messages it received are left out, and nothing
 * else is. A device that stores each page and then marks it delivered, as the engine does, must
 * read every message once, not once more per receipt.
 */
export function describeFeedOwnDeliveredContract(fx: ContractFixture, ax: ActionFixture): void {
  const { user, send, sendMany, drainChanges } = fx;

  /** Reads `reader`'s feed from `from` in pages of `limit`, marking each page's incoming messages delivered after reading it. */
  async function catchUpLikeADevice(reader: UserRecord, from: number, limit: number, options?: FeedOptions) {
    const got: Message[] = [];
    let position = from;
    for (let guard = 0; guard < 1_000; guard++) {
      const page = await fx.store.changesSince(reader.id, position, limit, options);
      got.push(...page.messages);
      position = page.position;
      const incoming = page.messages.filter((m) => m.recipientId === reader.id && m.status === 'sent');
      if (incoming.length > 0) await fx.store.markDelivered(reader.id, ids(incoming), now());
      if (!page.hasMore) break;
    }
    return { got, position };
  }

  describe('changesSince omitting the reader’s own delivered markings', () => {
    it('a device marking each page delivered reads every message once; the default feed brings them back', async () => {
      const a = await user();
      const b = await user();
      const sent = await sendMany(a, b, 7, 'in');
      const own = await sendMany(b, a, 2, 'out');

      const omitting = await catchUpLikeADevice(b, 0, 3, OMIT);
      expect(ids(omitting.got)).toEqual(ids([...sent, ...own]));
      // Nothing more: the markings of what it read are its own.
      expect(await fx.store.changesSince(b.id, omitting.position, 100, OMIT)).toMatchObject({ messages: [], hasMore: false });
      // The default feed from the same start holds the markings: every incoming message again, delivered.
      const full = await drainChanges(b.id, 0, 100);
      expect(ids(full.messages)).toEqual(ids([...own, ...sent]));
      expect(full.messages.filter((m) => m.recipientId === b.id).every((m) => m.status === 'delivered')).toBe(true);
      // The sender still sees each delivery.
      const senderFeed = await drainChanges(a.id, 0, 100);
      expect(senderFeed.messages.filter((m) => m.senderId === a.id).map((m) => m.status)).toEqual(sent.map(() => 'delivered'));
    });

    it('a message marked delivered by another device comes once, at its insert, with its status as it is now', async () => {
      const a = await user();
      const b = await user();
      const [m1, m2] = await sendMany(a, b, 2);
      await fx.store.markDelivered(b.id, [m1!.id], now());
      const { messages } = await drainChanges(b.id, 0, 1, OMIT);
      expect(messages).toEqual([{ ...m1!, status: 'delivered' }, m2]);
    });

    it('a read, an edit and a reaction after the cursor still bring the message back, in its latest state', async () => {
      const a = await user();
      const b = await user();
      const [m1, m2, m3] = await sendMany(a, b, 3);
      const { position } = await catchUpLikeADevice(b, 0, 10, OMIT);

      await fx.store.markRead(b.id, m1!.conversationId, m1!.seq, now());
      const afterRead = await drainChanges(b.id, position, 10, OMIT);
      expect(afterRead.messages).toEqual([{ ...m1!, status: 'read' }]);

      await ax.ok(a, m2!, { kind: 'edit', body: 'fixed' });
      await ax.ok(b, m3!, { kind: 'react', emoji: '👍' });
      const afterActions = await drainChanges(b.id, afterRead.position, 10, OMIT);
      expect(afterActions.messages.map((m) => [m.id, m.body, m.reactions?.length ?? 0, m.status])).toEqual([
        [m2!.id, 'fixed', 0, 'delivered'],
        [m3!.id, m3!.body, 1, 'delivered'],
      ]);
      expect(await fx.store.changesSince(b.id, afterActions.position, 10, OMIT)).toMatchObject({ messages: [], hasMore: false });
    });

    it('a delivery after the cursor never hides a later message or change from the page that follows', async () => {
      const a = await user();
      const b = await user();
      const c = await user();
      const [m1, m2] = await sendMany(a, b, 2);
      const first = await fx.store.changesSince(b.id, 0, 1, OMIT);
      expect(ids(first.messages)).toEqual([m1!.id]);
      // Both delivered (m2 by another device, before this one read it), then more happens.
      await fx.store.markDelivered(b.id, [m1!.id, m2!.id], now());
      const m3 = await send(c, b, 'from c');
      await fx.store.markRead(b.id, m1!.conversationId, m1!.seq, now());
      const rest = await drainChanges(b.id, first.position, 1, OMIT);
      expect(rest.messages).toEqual([
        { ...m2!, status: 'delivered' },
        m3,
        { ...m1!, status: 'read' },
      ]);
    });
  });
}
