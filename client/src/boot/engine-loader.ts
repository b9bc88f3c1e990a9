/**
 * Loads the sync engine chunk (boot/start-engine.ts) once, for whoever asks first: App.vue to
 * resume a session, the sign-in page when the user starts typing or submits. Keeping the engine
 * out of the sign-in page's first frame spares a slow phone parsing Dexie, zod and Socket.io before
 * it can show two text fields (docs/client.md, "Code splitting").
 */
import type { User } from '@pigeon/sync-protocol';
import type { SyncEngine } from '@pigeon/sync-protocol/engine';
import { firstPaintSettled } from './first-paint.ts';
import { nextTask } from './next-task.ts';

/** The engine's IndexedDB database (engine.ts leaves createSyncEngine's default name). */
const DB_NAME = 'pigeon';

type EngineModule = typeof import('./start-engine.ts');

let loading: Promise<EngineModule> | null = null;
let loaded: SyncEngine | null = null;
const waiting: Array<(engine: SyncEngine) => void> = [];

function loadModule(): Promise<EngineModule> {
  // After the cached list's first paint, if one is coming (boot/first-paint.ts says why).
  loading ??= firstPaintSettled().then(() => import('./start-engine.ts')).then(
    async (module) => {
      // The engine is created in a task of its own, not in the one that evaluated its chunk (engine.ts).
      await nextTask();
      module.start();
      loaded = module.engine;
      for (const fn of waiting.splice(0)) fn(module.engine);
      return module;
    },
    (e: unknown) => {
      loading = null; // a chunk that could not load (offline before the precache): the next call tries again
      throw e;
    },
  );
  return loading;
}

export function loadEngine(): Promise<SyncEngine> {
  return loadModule().then((module) => module.engine);
}

/** Loads the engine and resumes the stored session (with the conversation list's first read alongside: start-engine.ts). */
export function resumeStored(): Promise<User | null> {
  return loadModule().then((module) => module.resume());
}

/** Runs `fn` with the engine once it is loaded (by anyone; at once if it is), without loading it. */
export function whenEngineLoaded(fn: (engine: SyncEngine) => void): void {
  if (loaded) fn(loaded);
  else waiting.push(fn);
}

/**
 * False only when this browser surely holds no session: no `pigeon` database at all (a first
 * visit, or one whose data was cleared on sign-out). Then the sign-in page shows without the engine.
 * Any doubt (no indexedDB.databases(), an error) says true: the engine then decides, as before.
 */
export async function mayHaveSession(idb: IDBFactory | undefined = globalThis.indexedDB): Promise<boolean> {
  if (!idb || typeof idb.databases !== 'function') return true;
  try {
    return (await idb.databases()).some((db) => db.name === DB_NAME);
  } catch {
    return true;
  }
}
