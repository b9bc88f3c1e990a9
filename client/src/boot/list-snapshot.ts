/**
 * The list snapshot: the markup of the cached list's first paint (FirstPaintFrame.vue), as the
 * messenger last rendered it from the local database, kept in localStorage so the next cold open
 * can show it before any framework code has run (boot/paint-list-snapshot.ts, issue #20). The
 * first paint from IndexedDB then replaces it with the same rows, or with what changed since.
 *
 * It is a picture, never a source of truth: it is shown only where everything it was drawn under
 * still holds (the same build, account, language, layout and day, and a window no taller), and
 * the database's list replaces it within the first paint. A sign-out removes it with the session
 * hint, a sign-in as anyone else removes another's (signed-in-hint.ts). Pure: the storage is passed in.
 */

export const SNAPSHOT_KEY = 'pigeon:list-snapshot';

/** Above this size a snapshot is not kept (a screenful of rows is far below it): localStorage is small and synchronous. */
export const MAX_SNAPSHOT_CHARS = 200_000;

/** What a page is, as a snapshot was drawn for it: one is shown only where all of it matches the opening page. */
export interface SnapshotContext {
  /** The build (its entry module's path): another build's markup may not match its styles. */
  build: string;
  /** The account: shown only to the one the session hint names. */
  userId: string;
  locale: string;
  /** The phone layout (one pane) or the desktop one (list and welcome pane). */
  phone: boolean;
  /** The window's height: a snapshot's rows cover a window no taller than the one it was drawn for. */
  viewportPx: number;
  /** The local day (YYYY-MM-DD): a snapshot's times ("14:05", "Yesterday") are its day's. */
  day: string;
}

export interface ListSnapshot extends SnapshotContext {
  v: 1;
  /** The first paint's markup: its `.messenger` element. */
  html: string;
  /** How many conversations the list holds (the first paint's mark reports it). */
  conversations: number;
  /** A digest of what it was drawn from (the first paint's data): the writer skips a render that would give the same picture. */
  source?: string;
}

type Storage = Pick<globalThis.Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** YYYY-MM-DD of `at` in the local time zone. */
export function localDay(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
}

export function saveSnapshot(storage: Storage, snapshot: ListSnapshot): boolean {
  if (snapshot.html.length > MAX_SNAPSHOT_CHARS) return false;
  try {
    storage.setItem(SNAPSHOT_KEY, JSON.stringify(snapshot));
    return true;
  } catch {
    return false; // quota, private mode: the next open reads the database, as without one
  }
}

export function clearSnapshot(storage: Storage): void {
  try {
    storage.removeItem(SNAPSHOT_KEY);
  } catch {
    // storage refused: nothing was kept either
  }
}

/** Forgets a snapshot of anyone but `userId` (an account signed in where another's picture was left). */
export function clearSnapshotUnlessFor(storage: Storage, userId: string): void {
  try {
    const raw = storage.getItem(SNAPSHOT_KEY);
    if (raw && (JSON.parse(raw) as Partial<ListSnapshot> | null)?.userId !== userId) storage.removeItem(SNAPSHOT_KEY);
  } catch {
    clearSnapshot(storage); // unreadable: nobody's
  }
}

/** The stored snapshot if it was drawn for `now`, else null. */
export function loadSnapshot(storage: Storage, now: SnapshotContext): ListSnapshot | null {
  let raw: string | null;
  try {
    raw = storage.getItem(SNAPSHOT_KEY);
  } catch {
    return null;
  }
  if (!raw) return null;
  let s: Partial<ListSnapshot> | null;
  try {
    s = JSON.parse(raw) as Partial<ListSnapshot> | null;
  } catch {
    return null;
  }
  if (typeof s !== 'object' || s === null) return null;
  const fits =
    s.v === 1 &&
    s.build === now.build &&
    s.userId === now.userId &&
    s.locale === now.locale &&
    s.phone === now.phone &&
    s.day === now.day &&
    typeof s.viewportPx === 'number' &&
    now.viewportPx <= s.viewportPx &&
    typeof s.html === 'string' &&
    s.html.length > 0 &&
    typeof s.conversations === 'number' &&
    s.conversations > 0;
  return fits ? (s as ListSnapshot) : null;
}

/**
 * Whether the stored snapshot is what drawing `source` under `now` would store: the same data under
 * exactly the same context (a window of another height draws another number of rows). The writer
 * then skips the render and the storage write (useListSnapshot.ts).
 */
export function isCurrent(storage: Storage, now: SnapshotContext, source: string): boolean {
  const kept = loadSnapshot(storage, now);
  return kept !== null && kept.source === source && kept.viewportPx === now.viewportPx;
}
