/**
 * Live events and account switches (chaos finding A1, docs/sync-protocol.md "Message actions"): a
 * copy pushed for account A (a hide's `message-updated` carries A's own hiddenAt) that is still
 * queued when B signs in on the device must not be stored as B's.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { directConversationId } from '../../conversation-id.ts';
import type { Message } from '../../model/message.ts';
import { waitFor } from '../../testing/index.ts';
import { LocalDb, messageKey } from '../local/local-db.ts';
import { storeSession } from '../local/session.ts';
import { ProfileFreshness, storeServerUser } from '../up/profile.ts';
import { LiveEvents } from './live-events.ts';
import { applyServerCopies, applyStatus, type ApplyResult } from './store-server-changes.ts';

const user = (id: string) => ({ id, username: id, displayName: id, online: false, lastSeen: null });
const session = (userId: string) => ({ userId, token: `t-${userId}`, refreshToken: null, receivedAt: 1 });
const message = (from: string, to: string, seq: number, body: string): Message => ({
  id: `m${seq}`,
  clientId: `c${seq}`,
  conversationId: directConversationId(from, to),
  senderId: from,
  recipientId: to,
  body,
  seq,
  createdAt: new Date(seq * 1000).toISOString(),
  status: 'sent',
});

describe('live events across an account switch', () => {
  it('a copy received for A and still queued when B signs in is not stored as B’s', async () => {
    const db = new LocalDb('live-switch', { indexedDB: new IDBFactory(), IDBKeyRange });
    await storeSession(db, session('a'), user('a'));
    let me = 'a';
    const results: ApplyResult[] = [];
    const errors: unknown[] = [];
    const live = new LiveEvents({ db, me: () => me, afterApply: (r) => results.push(r), requestCatchUp: () => {}, presence: () => {}, onError: (_w, e) => errors.push(e) });

    // While A is signed in: a message, then (queued behind it) A's hide of b's message from another
    // device of A's, carrying A's hiddenAt.
    live.newMessage(message('b', 'a', 1, 'hello'));
    const hidden = { ...message('b', 'a', 2, 'hidden by a'), hiddenAt: new Date(3000).toISOString() };
    live.messageUpdated(hidden);
    // B signs in before the queue is stored (the session's user is B from here on).
    me = 'b';
    await storeSession(db, session('b'), user('b'));

    await waitFor(() => results.length === 2, { describe: () => ({ results, errors }) });
    expect(errors).toEqual([]);
    expect(results[1]!.stale).toBe(true);
    // b's own message would be b's to hold, but never with a's hiddenAt: b never hid it.
    expect(await db.messages.get(messageKey('b', hidden.clientId))).toBeUndefined();
    db.close();
  });

  it('a status change for A (message-status, a receipt) moves nothing once B owns the database', async () => {
    const db = new LocalDb('status-switch', { indexedDB: new IDBFactory(), IDBKeyRange });
    await storeSession(db, session('b'), user('b'));
    await applyServerCopies(db, [message('a', 'b', 1, 'to b')], 'b');
    // "Your message m1 was read" was for a (its sender), received before b signed in.
    await applyStatus(db, ['m1'], 'read', 'a');
    // Stored delivered (its receipt owed apart, local/owed-receipts.ts), and not raised by a's receipt.
    expect((await db.messages.get(messageKey('a', 'c1')))?.status).toBe('delivered');
    await applyStatus(db, ['m1'], 'read', 'b');
    expect((await db.messages.get(messageKey('a', 'c1')))?.status).toBe('read');
    db.close();
  });
});

describe('presence: an answer and the news', () => {
  const setup = async (name: string) => {
    const db = new LocalDb(name, { indexedDB: new IDBFactory(), IDBKeyRange });
    await storeSession(db, session('a'), user('a'));
    const shown: { userId: string; online: boolean; lastSeen: string | null }[] = [];
    const live = new LiveEvents({ db, me: () => 'a', afterApply: () => {}, requestCatchUp: () => {}, presence: (e) => shown.push(e), onError: () => {} });
    return { live, shown };
  };

  it('a user-status answer asked before a pushed event is dropped: the event is newer', async () => {
    const { live, shown } = await setup('presence-stale-answer');
    // Asked while the two were strangers; the answer comes back after the peer's user-offline.
    const asked = live.presenceAsked('b');
    await live.presence('b', false, '2026-12-02T07:00:00.000Z');
    await live.presenceAnswer('b', asked, false, null);
    expect(shown).toEqual([{ userId: 'b', online: false, lastSeen: '2026-12-02T07:00:00.000Z' }]);
  });

  it('an answer with no news meanwhile is shown; news of another user does not count', async () => {
    const { live, shown } = await setup('presence-answer');
    const asked = live.presenceAsked('b');
    await live.presence('c', true, null);
    await live.presenceAnswer('b', asked, true, null);
    expect(shown).toEqual([
      { userId: 'c', online: true, lastSeen: null },
      { userId: 'b', online: true, lastSeen: null },
    ]);
  });

  // Presence kept two orders: answers against events here, profile refreshes against events in
  // ProfileFreshness; an answer (unblock's ask, refreshPresence) reached only the first, so a refresh
  // asked before it (answering offline) and stored after it undid it.
  it('an answer shown counts as news for a profile refresh under way: its older presence is not stored', async () => {
    const db = new LocalDb('presence-refresh', { indexedDB: new IDBFactory(), IDBKeyRange });
    await storeSession(db, session('a'), user('a'));
    await db.users.put({ ...user('b'), profileVersion: 1 });
    const freshness = new ProfileFreshness();
    const live = new LiveEvents({ db, me: () => 'a', afterApply: () => {}, requestCatchUp: () => {}, presence: () => {}, heard: (id) => freshness.touched(id), onError: () => {} });
    const heard = freshness.since(); // a refresh asks
    await live.presenceAnswer('b', live.presenceAsked('b'), true, null);
    await storeServerUser(db, 'a', { ...user('b'), displayName: 'Bo', profileVersion: 2 }, heard); // its answer: offline, a newer name
    expect(await db.users.get('b')).toMatchObject({ displayName: 'Bo', profileVersion: 2, online: true });
    db.close();
  });
});
