/**
 * A catch-up stores the pages fetched ahead of it a few at a time, in one transaction each
 * (PageSizes.perCommit, down/pages-ahead.ts): the cursor moves to the last page of each commit, a
 * message in two of them ends in its latest state, stored once, and a page that fails is never
 * stored (the pages before it are, the run fails and starts again from their cursor).
 */
import { describe, expect, it } from 'vitest';
import type { SyncResponse } from '../../rest/sync.ts';
import type { CatchUpProgress } from '../api.ts';
import { META, messageKey, type LocalDb } from '../local/local-db.ts';
import { storedMessage, storedMessages } from '../../testing/index.ts';
import { CatchUp } from './catch-up.ts';
import { copy, signedInDevice as device } from './peer-copies.fixture.ts';

/** The server's feed as pages after each cursor ('' first). */
const FEED: Record<string, SyncResponse> = {
  '': { messages: [copy(1), copy(2), copy(3)], cursor: 'k1', hasMore: true },
  k1: { messages: [copy(4), copy(5), copy(6)], cursor: 'k2', hasMore: true },
  // Message 5 again: it was read (by another of my devices) after k1's page was made.
  k2: { messages: [copy(7), copy(5, { status: 'read' }), copy(8)], cursor: 'k3', hasMore: true },
  k3: { messages: [copy(9)], cursor: 'k4', hasMore: false },
};

function catchUp(db: LocalDb, fetchPage: (since: string, limit: number) => Promise<SyncResponse>, progress: (CatchUpProgress | null)[]) {
  return new CatchUp({
    db,
    fetchPage,
    me: () => 'me',
    active: () => true,
    pages: { first: 3, next: 3, perCommit: 2 },
    afterPage: () => {},
    done: () => {},
    progress: (p) => progress.push(p),
    retryWhile: () => false,
    backoff: { baseMs: 1, maxMs: 1 },
    onError: (where, e) => {
      throw new Error(`${where}: ${String(e)}`);
    },
  });
}

describe('catch-up pages stored together', () => {
  it('stores the pages fetched ahead two to a commit, its cursor the last page\'s, a message in two of them once and in its latest state', async () => {
    const db = await device('batches-ok');
    const asked: string[] = [];
    const progress: (CatchUpProgress | null)[] = [];
    await catchUp(db, async (since) => (asked.push(since), FEED[since]!), progress).request();
    expect(asked).toEqual(['', 'k1', 'k2', 'k3']);
    // The first page alone (nothing was fetched ahead of it), then k1's and k2's pages in one commit, then k3's.
    expect(progress.filter((p) => p !== null).map((p) => p!.pages)).toEqual([1, 3, 4]);
    expect(await db.getMeta(META.syncCursor)).toBe('k4');
    const all = await storedMessages(db);
    expect(all.map((m) => m.seq).sort((a, b) => a! - b!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await storedMessage(db, messageKey('peer', 'c5')))?.status).toBe('read');
    expect((await storedMessage(db, messageKey('peer', 'c4')))?.status).toBe('delivered');
  });

  it('never stores a page whose fetch failed: the run fails at it, the cursor stays at the last commit, the next run goes on from there', async () => {
    const db = await device('batches-fail');
    let failK2 = true;
    const progress: (CatchUpProgress | null)[] = [];
    const run = catchUp(
      db,
      async (since) => {
        if (since === 'k2' && failK2) throw new TypeError('fetch failed');
        return FEED[since]!;
      },
      progress,
    );
    await expect(run.request()).rejects.toThrow('fetch failed');
    // k1's page was stored (with k2's failure behind it); k2's never came.
    expect(await db.getMeta(META.syncCursor)).toBe('k2');
    expect((await storedMessages(db)).map((m) => m.seq).sort((a, b) => a! - b!)).toEqual([1, 2, 3, 4, 5, 6]);
    failK2 = false;
    await run.request();
    expect(await db.getMeta(META.syncCursor)).toBe('k4');
    expect((await storedMessages(db)).map((m) => m.seq).sort((a, b) => a! - b!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await storedMessage(db, messageKey('peer', 'c5')))?.status).toBe('read');
  });
});
