import { describe, expect, it } from 'vitest';
import type { SyncResponse } from '../../rest/sync.ts';
import { PagesAhead } from './pages-ahead.ts';

/** A fetch whose answers the test gives by hand, in the order asked. */
function manualFetch() {
  const asked: { since: string; limit: number; answer: (p: SyncResponse) => void; fail: (e: Error) => void }[] = [];
  const fetchPage = (since: string, limit: number) =>
    new Promise<SyncResponse>((answer, fail) => {
      asked.push({ since, limit, answer, fail });
    });
  return { asked, fetchPage };
}
const page = (cursor: string, hasMore: boolean): SyncResponse => ({ messages: [], cursor, hasMore });
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('pages fetched ahead', () => {
  it('asks for each page once the one before it arrived, up to `depth` not taken, and goes on as they are taken', async () => {
    const { asked, fetchPage } = manualFetch();
    const ahead = new PagesAhead(fetchPage, 1000, 2);
    ahead.follow('c0');
    expect(asked.map((a) => [a.since, a.limit])).toEqual([['c0', 1000]]);
    asked[0]!.answer(page('c1', true));
    await settle();
    expect(asked.map((a) => a.since)).toEqual(['c0', 'c1']);
    asked[1]!.answer(page('c2', true));
    await settle();
    // Two ahead and not taken: no third.
    expect(asked).toHaveLength(2);
    expect((await ahead.take())?.cursor).toBe('c1');
    // Room again: the page after the last one arrived is asked for.
    expect(asked.map((a) => a.since)).toEqual(['c0', 'c1', 'c2']);
    expect((await ahead.take())?.cursor).toBe('c2');
    asked[2]!.answer(page('c3', false));
    await settle();
    expect((await ahead.take())?.cursor).toBe('c3');
    // The last page said there is no more: nothing else is asked for.
    expect(asked).toHaveLength(3);
    expect(ahead.empty).toBe(true);
    expect(ahead.take()).toBeNull();
  });

  it('keeps a failed page for the taker (it fails the run there) and asks nothing after it', async () => {
    const { asked, fetchPage } = manualFetch();
    const ahead = new PagesAhead(fetchPage, 1000, 2);
    ahead.follow('c0');
    asked[0]!.fail(new Error('offline'));
    await settle();
    await expect(ahead.take()).rejects.toThrow('offline');
    expect(asked).toHaveLength(1);
  });

  it('asks nothing more once dropped, whatever arrives after', async () => {
    const { asked, fetchPage } = manualFetch();
    const ahead = new PagesAhead(fetchPage, 1000, 3);
    ahead.follow('c0');
    ahead.drop();
    asked[0]!.answer(page('c1', true));
    await settle();
    expect(asked).toHaveLength(1);
    expect(ahead.empty).toBe(true);
    ahead.follow('c9');
    expect(asked).toHaveLength(1);
  });
});
