/**
 * A synchronous hint, kept by App.vue: this browser showed a signed-in session last time, and
 * whose. It lets the chunks be requested before Vue mounts, instead of after indexedDB.databases()
 * answers (which comes after the mount, ~100 ms later on a loaded machine in the traces), and the
 * list snapshot be shown only to the account it was drawn for (list-snapshot.ts). Only a hint: the
 * session is resumed once databases() confirms, so a stale hint never creates a database.
 *
 * Signing out forgets the snapshot with the hint: it is the signed-out account's list. Signing in
 * (or resuming) as someone else forgets another account's picture too.
 */
import { clearSnapshot, clearSnapshotUnlessFor } from './list-snapshot.ts';

const HINT_KEY = 'pigeon:signed-in-hint';

/** `userId`: the signed-in account, or null once nobody is signed in. */
export function rememberSignedIn(userId: string | null): void {
  try {
    if (userId) {
      localStorage.setItem(HINT_KEY, userId);
      clearSnapshotUnlessFor(localStorage, userId);
    } else {
      localStorage.removeItem(HINT_KEY);
      clearSnapshot(localStorage);
    }
  } catch {
    // Storage refused (private mode, quota): the start just waits for databases().
  }
}

export function signedInLastTime(): boolean {
  return signedInUser() !== null;
}

/** The account signed in last time ('1' from builds that kept no id: signed in, whose unknown). */
export function signedInUser(): string | null {
  try {
    return localStorage.getItem(HINT_KEY) || null;
  } catch {
    return null;
  }
}
