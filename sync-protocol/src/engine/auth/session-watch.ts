/**
 * How a tab learns what other tabs did to the shared session: a sign-out (with or without
 * clearing), another account signing in, a refreshed token pair. Each of those is a write to
 * the meta table, and Dexie broadcasts committed writes to every tab of the origin
 * (`storagemutated`, over BroadcastChannel in browsers; in-process between engines in Node),
 * so the other tabs re-read the stored session within milliseconds of the commit.
 *
 * Meta also holds the sync cursor, read marks, owed receipts and the lease, so most changes are
 * not about the session at all: only writes to the session's own keys (or a clear) re-read it, two
 * key lookups, coalesced (one at a time, one more after).
 */
import { RangeSet } from 'dexie';
import { META, watchTable, type LocalDb } from '../local/local-db.ts';
import { loadSession, SESSION_KEYS, type Session, type SignedOutMarker } from '../local/session.ts';
import { SingleFlight } from '../util/single-flight.ts';

export interface StoredSessionChange {
  /** The stored session now (null: signed out). */
  stored: Session | null;
  /** Why the last session ended, as the tab that ended it wrote it. */
  marker: SignedOutMarker | null;
}

export function watchSession(db: LocalDb, onChange: (change: StoredSessionChange) => void, onError: (e: unknown) => void): () => void {
  const read = new SingleFlight(async () => {
    const [stored, marker] = await Promise.all([loadSession(db), db.getMeta<SignedOutMarker>(META.signedOut)]);
    onChange({ stored, marker: marker ?? null });
  });
  return watchTable(db, 'meta', () => void read.request().catch(onError), new RangeSet().addKeys([...SESSION_KEYS, META.signedOut]));
}
