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

export function signedInLastTime(): boolean {
  try {
    return localStorage.getItem(HINT_KEY) === '1';
  } catch {
    return false;
  }
}
