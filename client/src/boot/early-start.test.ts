import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const calls = { loadEngine: 0, resume: 0, messenger: 0, databases: 0 };
let hasDatabase = true;
let failLoad = false;

vi.mock('./engine-loader.ts', () => ({
  loadEngine: async () => {
    calls.loadEngine++;
    if (failLoad) throw new Error('chunk');
    return {};
  },
  resumeStored: async () => {
    calls.loadEngine++;
    if (failLoad) throw new Error('chunk');
    calls.resume++;
    return { id: 'u1' };
  },
  mayHaveSession: async () => (calls.databases++, hasDatabase),
}));
const loadMessenger = async () => void calls.messenger++;

/** A Storage-like map standing in for localStorage (node has none). */
function fakeStorage(): Storage {
  const map = new Map<string, string>();
  return {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
    clear: () => map.clear(),
    key: () => null,
    get length() {
      return map.size;
    },
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  vi.resetModules();
  Object.assign(calls, { loadEngine: 0, resume: 0, messenger: 0, databases: 0 });
  hasDatabase = true;
  failLoad = false;
  vi.stubGlobal('localStorage', fakeStorage());
});
afterEach(() => vi.unstubAllGlobals());

describe('startEarly', () => {
  it('loads nothing on a first visit (no database, no hint): the sign-in page stays engine-free', async () => {
    hasDatabase = false;
    const { startEarly } = await import('./early-start.ts');
    startEarly(loadMessenger);
    await flush();
    expect(calls).toMatchObject({ loadEngine: 0, resume: 0, messenger: 0, databases: 1 });
  });

  it('with a stored session, loads the engine and resumes once, shared with App.vue', async () => {
    const { startEarly, resumeSession } = await import('./early-start.ts');
    startEarly(loadMessenger);
    await flush();
    expect(await resumeSession()).toEqual({ id: 'u1' });
    expect(calls).toMatchObject({ resume: 1, messenger: 1, databases: 1 });
  });

  it('with the signed-in hint, asks for the engine before databases() answers, but resumes only once it has', async () => {
    const { startEarly, rememberSignedIn } = await import('./early-start.ts');
    rememberSignedIn('u1');
    hasDatabase = false; // a stale hint: the browser's data was cleared
    startEarly(loadMessenger);
    expect(calls).toMatchObject({ loadEngine: 1, messenger: 1 }); // synchronously, before any await
    await flush();
    expect(calls.resume).toBe(0); // never creates a database for a session that is not there
  });

  it('forgets the hint on sign-out, and a refused storage is no error', async () => {
    const { startEarly, rememberSignedIn } = await import('./early-start.ts');
    rememberSignedIn('u1');
    rememberSignedIn(null);
    hasDatabase = false;
    startEarly(loadMessenger);
    expect(calls.loadEngine).toBe(0);
    vi.stubGlobal('localStorage', {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
      removeItem: () => {
        throw new Error('denied');
      },
    });
    expect(() => rememberSignedIn('u1')).not.toThrow();
    expect(() => startEarly(loadMessenger)).not.toThrow();
  });

  it('a chunk that failed to load is tried again on the next resume', async () => {
    const { resumeSession } = await import('./early-start.ts');
    failLoad = true;
    await expect(resumeSession()).rejects.toThrow('chunk');
    failLoad = false;
    expect(await resumeSession()).toEqual({ id: 'u1' });
  });
});
