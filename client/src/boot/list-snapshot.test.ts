import { describe, expect, it } from 'vitest';
import { clearSnapshot, clearSnapshotUnlessFor, isCurrent, loadSnapshot, localDay, MAX_SNAPSHOT_CHARS, saveSnapshot, SNAPSHOT_KEY, type ListSnapshot, type SnapshotContext } from './list-snapshot.ts';

function memoryStorage() {
  const map = new Map<string, string>();
  return { map, getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v), removeItem: (k: string) => void map.delete(k) };
}
const refusing = {
  getItem: (): string | null => {
    throw new Error('denied');
  },
  setItem: () => {
    throw new Error('quota');
  },
  removeItem: () => {
    throw new Error('denied');
  },
};

const HERE: SnapshotContext = { build: '/assets/index-abc.js', userId: 'u1', locale: 'en', phone: true, viewportPx: 844, day: '2026-12-04' };
const SNAPSHOT: ListSnapshot = { v: 1, ...HERE, html: '<div class="messenger"></div>', conversations: 3 };

describe('list snapshot', () => {
  it('is given back where the page is what it was drawn for', () => {
    const storage = memoryStorage();
    expect(saveSnapshot(storage, SNAPSHOT)).toBe(true);
    expect(loadSnapshot(storage, HERE)).toEqual(SNAPSHOT);
    // A shorter window: its rows still cover it.
    expect(loadSnapshot(storage, { ...HERE, viewportPx: 700 })).toEqual(SNAPSHOT);
  });

  it('is not given back to another build, account, language, layout or day, nor to a taller window', () => {
    const storage = memoryStorage();
    saveSnapshot(storage, SNAPSHOT);
    for (const other of [
      { build: '/assets/index-def.js' },
      { userId: 'u2' },
      { locale: 'fr' },
      { phone: false },
      { day: '2026-12-05' },
      { viewportPx: 845 },
    ] satisfies Partial<SnapshotContext>[]) {
      expect(loadSnapshot(storage, { ...HERE, ...other }), JSON.stringify(other)).toBeNull();
    }
  });

  it('ignores what is not a snapshot of a list: garbage, another version, no rows, no markup', () => {
    const storage = memoryStorage();
    for (const raw of ['{', 'null', '"x"', JSON.stringify({ ...SNAPSHOT, v: 2 }), JSON.stringify({ ...SNAPSHOT, conversations: 0 }), JSON.stringify({ ...SNAPSHOT, html: '' })]) {
      storage.map.set(SNAPSHOT_KEY, raw);
      expect(loadSnapshot(storage, HERE), raw).toBeNull();
    }
    storage.map.clear();
    expect(loadSnapshot(storage, HERE)).toBeNull();
  });

  it('keeps nothing over its size bound, and a refused storage is no error', () => {
    const storage = memoryStorage();
    expect(saveSnapshot(storage, { ...SNAPSHOT, html: 'x'.repeat(MAX_SNAPSHOT_CHARS + 1) })).toBe(false);
    expect(storage.map.size).toBe(0);
    expect(saveSnapshot(refusing, SNAPSHOT)).toBe(false);
    expect(loadSnapshot(refusing, HERE)).toBeNull();
    expect(() => clearSnapshot(refusing)).not.toThrow();
  });

  it('is forgotten by clearSnapshot, and by clearSnapshotUnlessFor another account', () => {
    const storage = memoryStorage();
    saveSnapshot(storage, SNAPSHOT);
    clearSnapshotUnlessFor(storage, 'u1');
    expect(loadSnapshot(storage, HERE)).toEqual(SNAPSHOT);
    clearSnapshotUnlessFor(storage, 'u2');
    expect(storage.map.size).toBe(0);
    saveSnapshot(storage, SNAPSHOT);
    clearSnapshot(storage);
    expect(loadSnapshot(storage, HERE)).toBeNull();
    storage.map.set(SNAPSHOT_KEY, '{');
    clearSnapshotUnlessFor(storage, 'u1');
    expect(storage.map.size).toBe(0);
  });

  it('is current only for the same source under exactly the same context', () => {
    const storage = memoryStorage();
    expect(isCurrent(storage, HERE, 's1')).toBe(false); // none kept
    saveSnapshot(storage, SNAPSHOT); // kept by a build before sources were recorded
    expect(isCurrent(storage, HERE, 's1')).toBe(false);
    saveSnapshot(storage, { ...SNAPSHOT, source: 's1' });
    expect(isCurrent(storage, HERE, 's1')).toBe(true);
    expect(isCurrent(storage, HERE, 's2')).toBe(false); // the data changed
    // Shown there, but drawn for another height: another number of rows.
    expect(isCurrent(storage, { ...HERE, viewportPx: 700 }, 's1')).toBe(false);
    for (const other of [{ build: '/assets/index-def.js' }, { userId: 'u2' }, { locale: 'fr' }, { phone: false }, { day: '2026-12-05' }]) {
      expect(isCurrent(storage, { ...HERE, ...other }, 's1'), JSON.stringify(other)).toBe(false);
    }
    expect(isCurrent(refusing, HERE, 's1')).toBe(false);
  });

  it('names the local day', () => {
    expect(localDay(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05');
    expect(localDay(new Date(2026, 11, 31, 0, 0))).toBe('2026-12-31');
  });
});
