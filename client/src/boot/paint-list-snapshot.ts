/**
 * Shows the list snapshot (list-snapshot.ts) before the entry runs: before Vue, the app's modules
 * or IndexedDB. A signed-in device's cold open then paints its chats about when it painted the
 * splash, which it followed with the list ≈ 100–250 ms later from the database
 * (traced: three IndexedDB round trips, then Vue's first, cold render of a screenful of rows;
 * issue #20, docs/benchmarks.md figure 5).
 *
 * The snapshot is a picture laid over the app (`.list-snapshot`, fixed, `inert`: no focus, no
 * clicks, hidden from assistive technology), never part of it: the app below starts exactly as
 * without it, and the picture goes as soon as the app draws a list of its own (the first paint
 * from the database, or the messenger's list once loaded, with rows or none), the session turns
 * out to be none or another account's, the route leaves the list, or MAX_SHOWN_MS pass, whichever
 * comes first.
 *
 * It runs from a script of its own (boot/show-list-snapshot.ts, built by build/list-snapshot-script.ts
 * as a small classic script at the end of index.html's body), so the picture does not wait for the
 * entry's download, compile and evaluation. That script and the entry are separate bundles, each
 * with its own copy of this module: the state they share is the DOM (the overlay, its data-user-id).
 */
import { startLocale } from '../i18n/start-locale.ts';
import { parseHash } from '../lib/hash-route.ts';
import { PHONE_QUERY } from '../lib/phone-layout.ts';
import { listShown } from '../perf/marks.ts';
import { loadSnapshot, localDay, type SnapshotContext } from './list-snapshot.ts';
import { signedInUser } from './signed-in-hint.ts';

/**
 * This build, as the snapshots name it: the entry module's path (index.html's module script), whose
 * hash changes with any chunk or style sheet. Read from the DOM: both bundles find the same one.
 */
export function currentBuild(): string {
  return document.querySelector('script[type="module"][src]')?.getAttribute('src') ?? '';
}

/**
 * At most this long on screen, whatever happens: a picture must never stand in for an app that
 * failed to draw. Generous: every path of a starting app removes it long before (the first paint,
 * the messenger's list loaded, a session that is not its account's), and a slow phone whose first
 * paint took longer would otherwise flash from the picture to the splash and back.
 */
const MAX_SHOWN_MS = 10_000;

const OVERLAY = 'body > .list-snapshot';

/** The inline styles of the picture's elements, kept as this attribute (composables/useListSnapshot.ts). */
export const SNAPSHOT_STYLE = 'data-snapshot-style';

const overlay = () => document.querySelector<HTMLElement>(OVERLAY);

/** What this page is, as list-snapshot.ts compares it with a snapshot's. */
export function snapshotContext(userId: string, locale: string): SnapshotContext {
  return { build: currentBuild(), userId, locale, phone: matchMedia(PHONE_QUERY).matches, viewportPx: innerHeight, day: localDay(new Date()) };
}

export function paintListSnapshot(): void {
  try {
    paint();
  } catch (e) {
    // A picture must never be why a page fails (storage denied, say): the app starts below as without it.
    console.warn('[list-snapshot]', e);
  }
}

function paint(): void {
  if (typeof document === 'undefined' || typeof localStorage === 'undefined') return;
  if (parseHash(location.hash).view !== 'list') return; // a chat's link opens onto the chat
  const userId = signedInUser();
  if (!userId) return;
  const snapshot = loadSnapshot(localStorage, snapshotContext(userId, startLocale()));
  if (!snapshot) return;
  const template = document.createElement('template');
  template.innerHTML = snapshot.html; // the app's own render, serialized by the browser (no script runs from it: CSP, and <template>)
  for (const el of template.content.querySelectorAll<HTMLElement>(`[${SNAPSHOT_STYLE}]`)) {
    el.style.cssText = el.getAttribute(SNAPSHOT_STYLE)!; // the CSSOM, as Vue set them: the CSP blocks style attributes
    el.removeAttribute(SNAPSHOT_STYLE);
  }
  const el = document.createElement('div');
  el.className = 'list-snapshot';
  el.inert = true;
  el.dataset.userId = userId;
  el.append(template.content);
  document.body.append(el);
  listShown(snapshot.conversations, 'snapshot');
  addEventListener('hashchange', dropListSnapshot, { once: true });
  setTimeout(dropListSnapshot, MAX_SHOWN_MS);
}

/** Removes the snapshot (the app drew its own list, or must show something else). Idempotent. */
export function dropListSnapshot(): void {
  if (typeof document === 'undefined') return;
  overlay()?.remove();
}

/** The session is known: the snapshot stays only if it is `userId`'s (null: nobody signed in). */
export function keepListSnapshotFor(userId: string | null): void {
  if (typeof document === 'undefined') return;
  const el = overlay();
  if (el && el.dataset.userId !== userId) el.remove();
}
