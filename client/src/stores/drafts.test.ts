import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** The engine as drafts.ts sees it: the signed-in user, its state events, its drafts. */
const fake = vi.hoisted(() => {
  const listeners: ((state: { userId: string | null }) => void)[] = [];
  return {
    userId: 'ann' as string | null,
    stored: new Map<string, string>([['c:restored', 'from the database']]),
    writes: [] as [string, string][],
    listeners,
    signIn(userId: string | null) {
      this.userId = userId;
      for (const l of listeners) l({ userId });
    },
  };
});
// The engine is loaded: drafts.ts follows it at once.
vi.mock('../boot/engine-loader.ts', async () => {
  const { engine } = await import('../engine.ts');
  return { whenEngineLoaded: (fn: (e: typeof engine) => void) => fn(engine) };
});
vi.mock('../engine.ts', () => ({
  engine: {
    getState: () => ({ userId: fake.userId }),
    on: (_event: string, listener: (state: { userId: string | null }) => void) => fake.listeners.push(listener),
    drafts: {
      loaded: () => (fake.userId === 'ann' ? fake.stored : new Map()),
      set: async (id: string, text: string) => void fake.writes.push([id, text]),
    },
  },
}));

const { draftOf, flushDrafts, moveDraft, saveDraft, takeFocus, WRITE_DELAY_MS } = await import('./drafts.ts');

describe('drafts', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    fake.writes.length = 0;
  });
  afterEach(() => {
    flushDrafts();
    vi.useRealTimers();
  });

  it('starts with the signed-in account’s stored drafts', () => {
    expect(draftOf('c:restored')).toBe('from the database');
  });

  it('keeps one draft per conversation; an empty text removes it', () => {
    saveDraft('a', 'hello');
    saveDraft('b', 'other');
    expect(draftOf('a')).toBe('hello');
    saveDraft('a', '');
    expect(draftOf('a')).toBe('');
    expect(draftOf('b')).toBe('other');
  });

  it(`writes through at most ${WRITE_DELAY_MS} ms later, the last text of each chat once`, () => {
    saveDraft('w', 'h');
    saveDraft('w', 'hi');
    saveDraft('x', 'yo');
    expect(fake.writes).toEqual([]);
    vi.advanceTimersByTime(WRITE_DELAY_MS);
    expect(fake.writes).toEqual([
      ['w', 'hi'],
      ['x', 'yo'],
    ]);
    saveDraft('w', '');
    flushDrafts();
    expect(fake.writes.at(-1)).toEqual(['w', '']);
  });

  it('moveDraft: a group re-opened under its server id keeps what was typed under its local id, and the focus once', () => {
    saveDraft('local:1', 'half typed');
    moveDraft('local:1', 'g:1', true);
    expect(draftOf('g:1')).toBe('half typed');
    expect(draftOf('local:1')).toBe('');
    expect(takeFocus('g:1')).toBe(true);
    expect(takeFocus('g:1')).toBe(false);
    flushDrafts();
    expect(fake.writes).toEqual([
      ['local:1', ''],
      ['g:1', 'half typed'],
    ]);
  });

  it('moveDraft without a draft or focus moves nothing', () => {
    moveDraft('local:2', 'g:2', false);
    expect(draftOf('g:2')).toBe('');
    expect(takeFocus('g:2')).toBe(false);
  });

  it('another account (or none) sees none of them; the owner gets the stored ones back', () => {
    saveDraft('a', 'unsent');
    fake.signIn(null);
    expect(draftOf('a')).toBe('');
    expect(draftOf('c:restored')).toBe('');
    vi.advanceTimersByTime(WRITE_DELAY_MS);
    expect(fake.writes).toEqual([]);
    fake.signIn('bob');
    expect(draftOf('c:restored')).toBe('');
    fake.signIn('ann');
    expect(draftOf('c:restored')).toBe('from the database');
  });
});
