/**
 * The shortcuts a catch-up page takes (issue #20) must store what the long way stores:
 *  - its stored rows found through one read of the `id` index (store-server-changes.ts storedRows),
 *  - a 1:1 conversation's last message told by its summary and the rows written
 *    (conversation-summary.ts lastAfterCopies),
 *  - the rows with actions queued on them found from the outbox's targets alone (applyServerCopies).
 */
import { describe, expect, it } from 'vitest';
import { directConversationId } from '../../conversation-id.ts';
import { META, messageKey, type LocalDb } from '../local/local-db.ts';
import { OWED_PREFIX } from '../local/owed-receipts.ts';
import { commitAction } from '../up/actions.ts';
import { commitSend } from '../up/outbox.ts';
import { applyServerCopies } from './store-server-changes.ts';
import { putStored, storedMessage, storedMessages, storedRange, updateStored } from '../../testing/index.ts';
import { conversationId, copy, signedInDevice as open } from './peer-copies.fixture.ts';

const page = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => copy(from + i));


describe('a page whose rows are partly stored already', () => {
  it('keeps what the device holds of them (hidden for me, read) and stores each once', async () => {
    const db = await open('probe-partly');
    await applyServerCopies(db, page(1, 40), 'me');
    await updateStored(db, messageKey('peer', 'c10'), { hiddenAt: new Date(5).toISOString() });
    await updateStored(db, messageKey('peer', 'c20'), { status: 'read' });
    // A page replayed (a crash before its cursor moved) and extended, with one copy edited.
    const result = await applyServerCopies(db, [...page(1, 60), copy(30, { body: 'edited', version: 1 })], 'me');
    expect(result.inserted).toBe(20);
    expect((await storedMessages(db)).length).toBe(60);
    expect((await storedMessage(db, messageKey('peer', 'c10')))?.hiddenAt).toBeTruthy();
    expect((await storedMessage(db, messageKey('peer', 'c20')))?.status).toBe('read');
    expect((await storedMessage(db, messageKey('peer', 'c30')))?.body).toBe('edited');
    db.close();
  });

  it('with an old message among new ones (a span holding many more rows than the page), still finds the stored ones', async () => {
    const db = await open('probe-wide');
    await applyServerCopies(db, page(1, 200), 'me');
    await updateStored(db, messageKey('peer', 'c1'), { hiddenAt: new Date(5).toISOString() });
    const result = await applyServerCopies(db, [copy(1, { body: 'edited', version: 1 }), ...page(201, 240)], 'me');
    expect(result.inserted).toBe(40);
    const first = await storedMessage(db, messageKey('peer', 'c1'));
    expect([first?.body, Boolean(first?.hiddenAt)]).toEqual(['edited', true]);
    expect((await storedMessages(db)).length).toBe(240);
    db.close();
  });

  it('finds our own pending row (no id yet) and replaces it with its server copy', async () => {
    const db = await open('probe-own');
    const pending = await commitSend(db, 'me', 'peer', 'mine');
    const own = copy(41, { senderId: 'me', recipientId: 'peer', clientId: pending.clientId, body: 'mine' });
    await applyServerCopies(db, [...page(1, 40), own], 'me');
    expect((await storedMessages(db)).length).toBe(41);
    expect((await storedMessage(db, pending.key))?.seq).toBe(41);
    db.close();
  });
});

describe("a 1:1 conversation's last message after a page", () => {
  const last = async (db: LocalDb) => (await db.conversations.get(conversationId))?.lastMessage;

  it('is the newest copy of the page, or the newer one held before it (a history page)', async () => {
    const db = await open('last-newest');
    await applyServerCopies(db, page(101, 140), 'me');
    expect((await last(db))?.seq).toBe(140);
    await applyServerCopies(db, page(41, 100), 'me');
    expect((await last(db))?.seq).toBe(140);
    db.close();
  });

  it('shows the new state of the last message when the page rewrites it', async () => {
    const db = await open('last-rewritten');
    await applyServerCopies(db, page(1, 40), 'me');
    await applyServerCopies(db, [...page(1, 39), copy(40, { body: 'edited', version: 1 })], 'me');
    expect((await last(db))?.body).toBe('edited');
    db.close();
  });

  it('is not a message hidden for me, nor an acked one while a pending one is last', async () => {
    const db = await open('last-hidden');
    await applyServerCopies(db, page(1, 40), 'me');
    await applyServerCopies(db, [...page(41, 79), copy(80, { hiddenAt: new Date(5).toISOString() })], 'me');
    expect((await last(db))?.seq).toBe(79);
    const pending = await commitSend(db, 'me', 'peer', 'typed last');
    await applyServerCopies(db, page(81, 120), 'me');
    expect((await last(db))?.key).toBe(pending.key);
    db.close();
  });
});

describe('a page over many conversations', () => {
  it("reads each one's read mark and delivered floor (two range reads) and stores its messages no lower", async () => {
    const db = await open('positions-many');
    const peers = Array.from({ length: 10 }, (_, i) => `peer${i}`);
    const conversation = (peer: string) => directConversationId('me', peer);
    await db.setMeta(META.readPrefix + conversation('peer3'), { upToSeq: 2, ackedUpToSeq: 2 });
    await db.setMeta(META.deliveredPrefix + conversation('peer7'), 3);
    const copies = peers.flatMap((peer, p) =>
      [1, 2, 3, 4].map((seq) => copy(seq, { id: `m${p}-${seq}`, clientId: `c${p}-${seq}`, senderId: peer, conversationId: conversation(peer) })),
    );
    await applyServerCopies(db, copies, 'me');
    const statuses = async (peer: string) => (await storedRange(db, conversation(peer), -1, 10)).map((m) => m.status);
    expect(await statuses('peer3')).toEqual(['read', 'read', 'delivered', 'delivered']);
    expect(await statuses('peer7')).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    // Above the marks a receipt is owed (local/owed-receipts.ts); below the floor the server has it already.
    const owed = (await db.meta.where('key').startsWith(OWED_PREFIX).toArray()).flatMap((r) => r.value as string[]);
    expect(owed.filter((id) => id.startsWith('m7-'))).toEqual(['m7-4']);
    expect(owed.filter((id) => id.startsWith('m3-'))).toEqual(['m3-3', 'm3-4']);
    expect(owed.filter((id) => id.startsWith('m0-'))).toEqual(['m0-1', 'm0-2', 'm0-3', 'm0-4']);
    expect((await db.conversations.get(conversation('peer3')))?.unreadCount).toBe(2);
    db.close();
  });
});

describe('a page over rows with actions queued on them', () => {
  it('shows each queued action on its row, found by the outbox alone (a row stored without its overlay gets it back)', async () => {
    const db = await open('targeted');
    await applyServerCopies(db, page(1, 60), 'me');
    await commitAction(db, 'me', messageKey('peer', 'c7'), { kind: 'react', emoji: '👍' });
    await commitAction(db, 'me', messageKey('peer', 'c50'), { kind: 'react', emoji: '🎉' });
    // Row 50 as an account switch restores it: its server state, no overlay (only unacked rows are parked).
    const { pendingActions: _n, base: _b, reactions: _r, ...bare } = (await storedMessage(db, messageKey('peer', 'c50')))!;
    await putStored(db, bare);
    // A page over both (replayed after a crash, say): each row shows its reaction until the server has it.
    await applyServerCopies(db, page(1, 60), 'me');
    for (const [clientId, emoji] of [['c7', '👍'], ['c50', '🎉']] as const) {
      const row = await storedMessage(db, messageKey('peer', clientId));
      expect(row?.pendingActions, clientId).toBe(1);
      expect(row?.reactions, clientId).toEqual([expect.objectContaining({ userId: 'me', emoji })]);
    }
    expect((await storedMessage(db, messageKey('peer', 'c8')))?.pendingActions).toBeUndefined();
    db.close();
  });
});
