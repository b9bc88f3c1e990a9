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
import { afterFirstPaint } from './first-paint.ts';
import { signedInLastTime } from './signed-in-hint.ts';

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

export { rememberSignedIn } from './signed-in-hint.ts';

/**
 * Starts the work a resumed session needs, before the shell has mounted. `loadMessenger` imports
 * the messenger page (main.ts passes it: the module is the one App.vue's async component imports,
 * so the browser fetches and evaluates it once).
 */
export function startEarly(loadMessenger: () => Promise<unknown>): void {
  // The messenger's chunk imports the engine's: both wait for the cached list's first paint, if
  // one is coming (boot/first-paint.ts; loadEngine waits by itself).
  const messenger = () => afterFirstPaint(() => void loadMessenger().catch(() => {})); // App.vue's own import reports a failure
  if (signedInLastTime()) {
    void loadEngine().catch(() => {});
    messenger();
  }
  void sessionHint().then((may) => {
    if (!may) return;
    messenger();
    void resumeSession().catch(() => {});
  });
}
