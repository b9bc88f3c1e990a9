/**
 * The cold start of a signed-in device, in parallel instead of one chunk after another. Run from
 * main.ts before Vue mounts: when this browser may hold a session (boot/engine-loader.ts
 * mayHaveSession), the engine chunk and the messenger chunk are fetched at once and the session is
 * resumed as soon as the engine is in, while the shell mounts. App.vue then awaits the same
 * promises. Without it each step waited for the one before (the entry, then App's onMounted,
 * then the engine, then resume(), then the messenger chunk): four service-worker round trips and
 * their parse in a row before the conversation list could render (traced in issue #20).
 * A first visit (no `pigeon` database) loads neither: the sign-in page stays engine-free.
 */
import type { User } from '@pigeon/sync-protocol';
import { loadEngine, mayHaveSession, resumeStored } from './engine-loader.ts';

let hint: Promise<boolean> | null = null;
let resuming: Promise<User | null> | null = null;

/** mayHaveSession(), asked once per page load (indexedDB.databases() is a round trip to the browser). */
export function sessionHint(): Promise<boolean> {
  return (hint ??= mayHaveSession());
}

/** The stored session, resumed once for whoever asks first (App.vue, or startEarly). */
export function resumeSession(): Promise<User | null> {
  resuming ??= resumeStored().catch((e: unknown) => {
    resuming = null; // a chunk that could not load: App.vue's next attempt tries again
    throw e;
  });
  return resuming;
}

/**
 * A synchronous hint, kept by App.vue: this browser showed a signed-in session last time. It lets
 * the chunks be requested before Vue mounts, instead of after indexedDB.databases() answers (which
 * comes after the mount, ~100 ms later on a loaded machine in the traces). Only the chunks: the
 * session is resumed once databases() confirms, so a stale hint never creates a database.
 */
const HINT_KEY = 'pigeon:signed-in-hint';

export function rememberSignedIn(signedIn: boolean): void {
  try {
    if (signedIn) localStorage.setItem(HINT_KEY, '1');
    else localStorage.removeItem(HINT_KEY);
  } catch {
    // Storage refused (private mode, quota): the start just waits for databases().
  }
}

function signedInLastTime(): boolean {
  try {
    return localStorage.getItem(HINT_KEY) === '1';
  } catch {
    return false;
  }
}

/**
 * Starts the work a resumed session needs, before the shell has mounted. `loadMessenger` imports
 * the messenger page (main.ts passes it: the module is the one App.vue's async component imports,
 * so the browser fetches and evaluates it once).
 */
export function startEarly(loadMessenger: () => Promise<unknown>): void {
  if (signedInLastTime()) {
    void loadEngine().catch(() => {});
    void loadMessenger().catch(() => {});
  }
  void sessionHint().then((may) => {
    if (!may) return;
    void loadMessenger().catch(() => {}); // App.vue's own import reports a failure
    void resumeSession().catch(() => {});
  });
}
