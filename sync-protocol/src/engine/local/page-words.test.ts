import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { directConversationId } from '../../conversation-id.ts';
import type { Message } from '../../model/message.ts';
import { applyServerCopies } from '../down/store-server-changes.ts';
import { searchDevice } from '../search/device-search.ts';
import { withDerivedFields } from './derived-fields.ts';
import { LocalDb, META, type StoredMessage } from './local-db.ts';
import { holdWords, keysWithTerms, OPEN_RECORD_MAX } from './page-words.ts';
import { forgetSession } from './session.ts';
import { putStored, storedMessage, storedMessages } from '../../testing/index.ts';

const conversationId = directConversationId('me', 'peer');
const row = (key: string, body: string, more: Partial<StoredMessage> = {}): StoredMessage => {
  const [senderId, clientId] = key.split(':') as [string, string];
  return { key, id: `id-${clientId}`, clientId, senderId, recipientId: 'me', conversationId, body, seq: 1, createdAt: '2026-01-01T00:00:00.000Z', localCreatedAt: 1, status: 'delivered', ...more };
};

describe('holdWords (pure)', () => {
  it('enters each row with words once: not a row whose record already holds the same words, nor one without words', () => {
    const { rows, page } = holdWords([
      row('peer:c1', 'Lunch at noon'),
      row('peer:c2', 'lunch again', { heldWords: ['lunch', 'again'] }),
      row('peer:c3', 'now dinner', { heldWords: ['lunch', 'again'] }),
      row('peer:c4', '', { type: 'system' }),
      row('peer:c5', 'gone', { deletedAt: '2026-01-01T00:01:00.000Z' }),
    ]);
    expect(page).toEqual({ words: ['lunch', 'at', 'noon', 'now', 'dinner'], keys: ['peer:c1', 'peer:c3'], rows: [[0], [0], [0], [1], [1]], newest: '2026-01-01T00:00:00.000Z' });
    expect(rows.map((r) => r.heldWords)).toEqual([['lunch', 'at', 'noon'], ['lunch', 'again'], ['now', 'dinner'], undefined, undefined]);
    expect(holdWords([row('peer:c6', '')]).page).toBeNull();
    expect(keysWithTerms(page!, ['no'])).toEqual(['peer:c1', 'peer:c3']);
    const shared = holdWords([row('peer:c7', 'lunch now', { createdAt: '2026-01-02T00:00:00.000Z' }), row('peer:c8', 'Lunch later')]).page!;
    expect([shared.rows, shared.newest]).toEqual([[[0, 1], [0], [1]], '2026-01-02T00:00:00.000Z']);
    expect(keysWithTerms(shared, ['lun'])).toEqual(['peer:c7', 'peer:c8']);
    // Every term, each by some word of the same row.
    expect(keysWithTerms(shared, ['la', 'lu'])).toEqual(['peer:c8']);
    expect(keysWithTerms(shared, ['no', 'la'])).toEqual([]);
  });

  it('the write rule: a row keeps its words off the index only while they are what its record holds', () => {
    const held = withDerivedFields(row('peer:c1', 'lunch at noon', { heldWords: ['lunch', 'at', 'noon'], words: ['stale'] }));
    expect(withDerivedFields(row('peer:c1', 'lunch', { heldWords: ['lunch', 'at', 'noon'] })).words).toEqual(['lunch']);
    expect(held.words).toEqual([]);
    expect(held.heldWords).toEqual(['lunch', 'at', 'noon']);
    const edited = withDerivedFields({ ...held, body: 'lunch at one' });
    expect(edited.words).toEqual(['lunch', 'at', 'one']);
    expect(edited.heldWords).toBeUndefined();
    const deleted = withDerivedFields({ ...held, body: '', deletedAt: '2026-01-01T00:01:00.000Z' });
    expect([deleted.words, deleted.heldWords]).toEqual([[], undefined]);
  });
});

describe('rows stored from the server, searched through their word records', () => {
  const copy = (n: number, body: string): Message => ({
    id: `s${String(n).padStart(4, '0')}`, clientId: `peer-msg-${String(n).padStart(4, '0')}`, conversationId, senderId: 'peer', recipientId: 'me', body, seq: n, createdAt: `2026-01-01T00:00:${String(n).padStart(2, '0')}.000Z`, status: 'sent',
  });
  const open = async () => {
    const db = new LocalDb(`page-words-${Math.random()}`, { indexedDB: new IDBFactory(), IDBKeyRange });
    await db.meta.bulkPut([{ key: META.owner, value: 'me' }, { key: META.userId, value: 'me' }]);
    return db;
  };
  const bodies = async (db: LocalDb, terms: string[], conversation?: string) =>
    (await searchDevice(db, 'me', terms, { limit: 10, ...(conversation ? { conversationId: conversation } : {}) })).map((m) => m.body);

  it('indexes nothing per row, finds them by every term, and follows edits, deletes and a second page', async () => {
    const db = await open();
    await applyServerCopies(db, [copy(1, 'Lunch at noon?'), copy(2, 'the harbour at noon'), copy(3, 'see you')], 'me');
    expect(await db.messages.where('words').startsWith('').count()).toBe(0);
    expect(await db.wordPages.count()).toBe(1);
    expect(await bodies(db, ['noon'])).toEqual(['the harbour at noon', 'Lunch at noon?']);
    expect(await bodies(db, ['no', 'lun'])).toEqual(['Lunch at noon?']);
    expect(await bodies(db, ['noon'], 'dm:other')).toEqual([]);

    // A live edit (a plain write): the row's new words are indexed, the record's old entry is stale.
    const harbour = (await storedMessage(db, 'peer:peer-msg-0002'))!;
    await putStored(db, { ...harbour, body: 'the station at one', editedAt: '2026-01-01T00:05:00.000Z' });
    expect(await bodies(db, ['harbour'])).toEqual([]);
    expect(await bodies(db, ['stat'])).toEqual(['the station at one']);
    expect(await bodies(db, ['noon'])).toEqual(['Lunch at noon?']);

    // The same copies again (a page re-read), or a status change, enter nothing new; a server delete hides it.
    await applyServerCopies(db, [copy(1, 'Lunch at noon?'), copy(3, 'see you')], 'me');
    await applyServerCopies(db, [{ ...copy(3, 'see you'), status: 'read' }], 'me');
    expect((await storedMessage(db, 'peer:peer-msg-0003'))?.status).toBe('read');
    expect(await db.wordPages.count()).toBe(1);
    await applyServerCopies(db, [{ ...copy(1, ''), deletedAt: '2026-01-01T00:06:00.000Z', version: 2 }], 'me');
    expect(await bodies(db, ['lunch'])).toEqual([]);
    expect(await bodies(db, ['see'])).toEqual(['see you']);
    db.close();
  });

  it('reading records newest first and stopping early answers what reading them all would, whatever the order pages came in', async () => {
    const db = await open();
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const words = ['lunch', 'later', 'noon', 'see', 'soon', 'station'];
    const other = directConversationId('me', 'other');
    for (let p = 0; p < 8; p++) {
      // Each page's times spread over the whole range (a feed brings old messages' changes too), with ties.
      // 60 rows a batch: each batch a record of its own (two would pass OPEN_RECORD_MAX).
      const page = Array.from({ length: 60 }, (_, i) => {
        const n = p * 60 + i + 1;
        const at = `2026-01-01T00:${String(rand(60)).padStart(2, '0')}:00.000Z`;
        return { ...copy(n, `${words[rand(6)]} ${words[rand(6)]} ${words[rand(6)]}`), createdAt: at, ...(n % 7 === 0 ? { conversationId: other, senderId: 'other', clientId: `other-msg-${n}` } : {}) };
      });
      await applyServerCopies(db, page, 'me');
    }
    // Some rows edited or deleted since (their record's entries stale), one live row indexed.
    const some = (await storedMessages(db)).sort((a, b) => (a.key < b.key ? -1 : 1)).filter((_, i) => i % 9 === 0);
    for (const [i, r] of some.entries()) await putStored(db, i % 2 ? { ...r, body: 'lunch moved to noon' } : { ...r, body: '', deletedAt: '2026-01-02T00:00:00.000Z' });
    await applyServerCopies(db, [{ ...copy(999, 'lunch soon'), createdAt: '2026-01-01T00:30:00.000Z' }], 'me');
    const all = await storedMessages(db);
    expect(await db.messageBlocks.count()).toBeGreaterThan(0); // pages of 60: blocks, and rows moved out of them
    const brute = (terms: string[], limit: number, conversation?: string) =>
      all
        .filter((r) => !r.deletedAt && (!conversation || r.conversationId === conversation) && terms.every((t) => r.body.toLowerCase().split(' ').some((w) => w.startsWith(t))))
        .sort((a, b) => (a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.id! < b.id! ? 1 : -1))
        .slice(0, limit)
        .map((r) => r.key);
    for (const terms of [['lunch'], ['s'], ['noon', 'lu'], ['station', 'later', 'see']])
      for (const limit of [1, 5, 20, 500])
        for (const conversation of [undefined, other]) {
          const got = (await searchDevice(db, 'me', terms, { limit, ...(conversation ? { conversationId: conversation } : {}) })).map((m) => m.key);
          expect(got, `${terms.join(' ')} / ${limit} / ${conversation ?? 'all'}`).toEqual(brute(terms, limit, conversation));
        }
    db.close();
  });

  it('a record whose newest row ties with the last one ranked is still read (ties go by id)', async () => {
    const db = await open();
    const at = (m: Message, createdAt: string) => ({ ...m, createdAt });
    // The first record full of older rows, so the next batch makes a record of its own.
    const older = Array.from({ length: OPEN_RECORD_MAX - 1 }, (_, i) => at(copy(100 + i, 'lunch long ago'), '2026-01-01T00:01:00.000Z'));
    await applyServerCopies(db, [at(copy(2, 'lunch here'), '2026-01-01T00:10:00.000Z'), ...older], 'me');
    await applyServerCopies(db, [at(copy(1, 'lunch there'), '2026-01-01T00:10:00.000Z'), at(copy(3, 'lunch later'), '2026-01-01T00:11:00.000Z')], 'me');
    expect(await db.wordPages.count()).toBe(2);
    expect((await bodies(db, ['lunch'])).slice(0, 4)).toEqual(['lunch later', 'lunch here', 'lunch there', 'lunch long ago']);
    expect((await searchDevice(db, 'me', ['lunch'], { limit: 2 })).map((m) => m.body)).toEqual(['lunch later', 'lunch here']);
    db.close();
  });

  it('rows stored a few at a time go into the newest record while it has room, then into a new one', async () => {
    const db = await open();
    for (let n = 1; n <= OPEN_RECORD_MAX + 1; n++) await applyServerCopies(db, [{ ...copy(n, `live ${n === 7 ? 'pelican' : 'message'}`), createdAt: `2026-01-01T01:${String(n % 60).padStart(2, '0')}:00.000Z` }], 'me');
    const records = await db.wordPages.toArray();
    expect(records.map((r) => r.keys.length)).toEqual([OPEN_RECORD_MAX, 1]);
    expect(records[0]!.newest).toBe('2026-01-01T01:59:00.000Z');
    expect(await db.messages.where('words').startsWith('').count()).toBe(0);
    expect(await bodies(db, ['pel'])).toEqual(['live pelican']);
    // Edited by its sender while its record is still the newest: in that record twice, found once.
    await applyServerCopies(db, [{ ...copy(OPEN_RECORD_MAX + 1, 'live heron'), createdAt: '2026-01-01T01:41:00.000Z', editedAt: '2026-01-01T02:00:00.000Z', version: 2 }], 'me');
    const key = `peer:${copy(OPEN_RECORD_MAX + 1, '').clientId}`;
    expect((await db.wordPages.toArray()).at(-1)!.keys).toEqual([key, key]);
    const live = await searchDevice(db, 'me', ['live'], { limit: 500 });
    expect([live.length, live.filter((m) => m.key === key).map((m) => m.body)]).toEqual([OPEN_RECORD_MAX + 1, ['live heron']]);
    expect(await bodies(db, ['heron'])).toEqual(['live heron']);
    expect((await searchDevice(db, 'me', ['message'], { limit: 500 })).some((m) => m.key === key)).toBe(false);
    // A page after them makes a record of its own, whatever room the newest one has.
    await applyServerCopies(db, Array.from({ length: OPEN_RECORD_MAX }, (_, i) => copy(500 + i, 'page row')), 'me');
    expect((await db.wordPages.toArray()).map((r) => r.keys.length)).toEqual([OPEN_RECORD_MAX, 2, OPEN_RECORD_MAX]);
    db.close();
  });

  it('a sign-out that clears the data clears the records', async () => {
    const db = await open();
    await applyServerCopies(db, [copy(1, 'pineapple recipe')], 'me');
    expect(await db.wordPages.count()).toBe(1);
    await forgetSession(db, { userId: 'me', reason: 'user', clearData: true });
    expect([await db.wordPages.count(), (await storedMessages(db)).length]).toEqual([0, 0]);
    db.close();
  });
});
