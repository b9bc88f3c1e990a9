import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** What the mocked reader answers: set per test (a never-settling promise stands for a database that does not answer). */
let answer: () => Promise<unknown> = async () => null;
let reads = 0;
vi.mock('@pigeon/sync-protocol/first-paint', () => ({
  readFirstPaint: () => (reads++, answer()),
}));
const COMPONENT = { name: 'FirstPaintMessenger' };
const loadComponent = async () => ({ default: COMPONENT });

const CACHED = { me: { id: 'u1', username: 'u1', displayName: 'U' }, conversations: [{ conversation: { id: 'c1' } }], users: new Map(), drafts: new Map() };

/** Resolves on the next macrotask: long enough for every microtask queued before it. */
const flush = () => new Promise((r) => setTimeout(r, 0));
/** Whether `p` has settled by the next macrotask. */
async function settledYet(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await flush();
  return done;
}

beforeEach(() => {
  vi.resetModules();
  reads = 0;
  answer = async () => CACHED;
  const store = new Map<string, string>([['pigeon:signed-in-hint', '1']]);
  vi.stubGlobal('localStorage', { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => store.set(k, v), removeItem: (k: string) => store.delete(k) });
  vi.stubGlobal('location', { hash: '' });
  vi.stubGlobal('indexedDB', {});
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('the first paint', () => {
  it('with the signed-in hint on the list, gives the cached list to draw, and holds the engine until it is painted', async () => {
    const fp = await import('./first-paint.ts');
    fp.startFirstPaint(loadComponent);
    expect(await fp.firstPaint()).toEqual({ component: COMPONENT, cached: CACHED });
    const ran: string[] = [];
    fp.afterFirstPaint(() => ran.push('engine'));
    expect(await settledYet(fp.firstPaintSettled())).toBe(false);
    expect(ran).toEqual([]);
    fp.firstPaintDone();
    expect(await settledYet(fp.firstPaintSettled())).toBe(true);
    expect(ran).toEqual(['engine']);
  });

  it('reads nothing and holds nothing without the hint (a first visit), or on a chat link with no splash to paint', async () => {
    for (const setup of [() => localStorage.removeItem('pigeon:signed-in-hint'), () => ((location as { hash: string }).hash = '#/c/dm%3Aa%3Ab')]) {
      vi.resetModules();
      setup();
      const fp = await import('./first-paint.ts');
      fp.startFirstPaint(loadComponent);
      expect(await fp.firstPaint()).toBeNull();
      const ran: string[] = [];
      fp.afterFirstPaint(() => ran.push('engine'));
      expect(ran).toEqual(['engine']); // synchronously: nothing to wait for
    }
    expect(reads).toBe(0);
  });

  it("on a chat link, holds the engine until the static splash's icon has loaded and a frame shows it, whatever App.vue says", async () => {
    (location as { hash: string }).hash = '#/c/dm%3Aa%3Ab';
    const listeners = new Map<string, () => void>();
    const icon = { complete: false, addEventListener: (type: string, fn: () => void) => listeners.set(type, fn) };
    vi.stubGlobal('document', { querySelector: (selector: string) => (selector === '.boot-splash img' ? icon : null) });
    const frames: Array<() => void> = [];
    vi.stubGlobal('requestAnimationFrame', (fn: () => void) => frames.push(fn));
    const fp = await import('./first-paint.ts');
    fp.startFirstPaint(loadComponent);
    expect(await fp.firstPaint()).toBeNull();
    const ran: string[] = [];
    fp.afterFirstPaint(() => ran.push('engine'));
    fp.firstPaintDone(); // App.vue, mounted: no cached list to draw; the splash is not painted yet
    expect(await settledYet(fp.firstPaintSettled())).toBe(false);
    listeners.get('load')!(); // the icon is in; the next frame will show it
    expect(await settledYet(fp.firstPaintSettled())).toBe(false);
    frames.shift()!(); // that frame: released in the task after it
    expect(await settledYet(fp.firstPaintSettled())).toBe(true);
    expect(ran).toEqual(['engine']);
    expect(reads).toBe(0);
  });

  it('holds the engine at most WAIT_FOR_SPLASH_MS for a splash that is never painted', async () => {
    vi.useFakeTimers();
    (location as { hash: string }).hash = '#/c/dm%3Aa%3Ab';
    vi.stubGlobal('document', { querySelector: () => ({ complete: false, addEventListener: () => {} }) });
    const fp = await import('./first-paint.ts');
    fp.startFirstPaint(loadComponent);
    let released = false;
    void fp.firstPaintSettled().then(() => (released = true));
    await vi.advanceTimersByTimeAsync(99);
    expect(released).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(released).toBe(true);
  });

  it('lets the engine go at once when there is nothing to draw (no session, no conversation)', async () => {
    for (const cached of [null, { ...CACHED, conversations: [] }]) {
      vi.resetModules();
      answer = async () => cached;
      const fp = await import('./first-paint.ts');
      fp.startFirstPaint(loadComponent);
      expect(await fp.firstPaint()).toBeNull();
      expect(await settledYet(fp.firstPaintSettled())).toBe(true);
    }
  });

  it('holds the engine at most WAIT_FOR_PAINT_MS when the database never answers', async () => {
    vi.useFakeTimers();
    answer = () => new Promise(() => {});
    const fp = await import('./first-paint.ts');
    fp.startFirstPaint(loadComponent);
    let released = false;
    void fp.firstPaintSettled().then(() => (released = true));
    await vi.advanceTimersByTimeAsync(499);
    expect(released).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(released).toBe(true);
  });
});
