import { readFirstPaint, type FirstPaint } from '@pigeon/sync-protocol/first-paint';
import { getCurrentInstance, h, onBeforeUnmount, render, watch, type AppContext } from 'vue';
import { clearSnapshot, isCurrent, saveSnapshot } from '../boot/list-snapshot.ts';
import { SNAPSHOT_STYLE, snapshotContext } from '../boot/paint-list-snapshot.ts';
import { signedInUser } from '../boot/signed-in-hint.ts';
import FirstPaintFrame from '../components/first-paint/FirstPaintFrame.vue';
import { i18n } from '../i18n/index.ts';
import { digest } from '../lib/digest.ts';
import { readSoundSetting } from '../lib/sound-setting.ts';
import { whenIdle } from '../lib/when-idle.ts';

/** While the list changes, at most one snapshot per this long (a render of a screenful of rows, off screen, when idle). */
const EVERY_MS = 5000;

/**
 * Keeps the list snapshot (boot/list-snapshot.ts) in step with the local database, for the next
 * cold open to show before any of the app runs: the first paint's frame (FirstPaintFrame.vue),
 * drawn off screen from what the first paint will read (`readFirstPaint`, the same plain
 * IndexedDB read), so the database's first paint replaces the picture with the very same rows
 * unless the database changed after it.
 *
 * Written when idle EVERY_MS after the messenger has shown, again at most every EVERY_MS while
 * `changes` (the list) changes, and when the page is hidden (the app closed or switched away from, after
 * which a draft or a read may have changed what the first paint shows). A picture the same as the
 * one kept (same data, same context: `isCurrent`) is neither drawn nor stored again. Nothing is
 * written for an account that is no longer the session hint's (signed out meanwhile: the hint and
 * the snapshot went together).
 */
export function useListSnapshot(changes: () => unknown): void {
  const context = getCurrentInstance()?.appContext ?? null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  async function write(): Promise<void> {
    const userId = signedInUser();
    if (stopped || !userId || typeof indexedDB === 'undefined') return;
    const cached = await readFirstPaint(indexedDB);
    if (stopped || signedInUser() !== userId) return;
    if (!cached || cached.me.id !== userId || cached.conversations.length === 0) {
      clearSnapshot(localStorage); // the next open has no list to show (or not this one)
      return;
    }
    const now = snapshotContext(userId, i18n.global.locale.value);
    const source = drawnFrom(cached);
    if (isCurrent(localStorage, now, source)) return; // the picture kept is the one this render would give
    const html = frameMarkup(cached, context);
    saveSnapshot(localStorage, { v: 1, ...now, html, conversations: cached.conversations.length, source });
  }
  const writeNow = () => {
    running = running.then(write).catch((e: unknown) => console.warn('[list-snapshot]', e));
  };
  function schedule() {
    if (timer || stopped) return;
    timer = setTimeout(() => {
      timer = null;
      whenIdle(writeNow);
    }, EVERY_MS);
  }
  const onVisibility = () => {
    if (document.visibilityState === 'hidden') writeNow();
  };

  watch(changes, schedule);
  // The first one too waits EVERY_MS: the first seconds of a session are when the user taps a chat,
  // and a chat tapped as the list came paid for this render (20 ms of the open's 56 before its pane,
  // in the open chat's trace, #20). Hiding the page before then writes it at once.
  schedule();
  document.addEventListener('visibilitychange', onVisibility);
  onBeforeUnmount(() => {
    stopped = true;
    if (timer) clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisibility);
  });
}

/**
 * What a snapshot of `cached` is drawn from, as a digest: FirstPaintFrame's inputs beyond the
 * context (build, language, layout, day, height: compared as they are): the first paint's data (its
 * maps as entry lists), the header's sound setting, and the time zone its times are shown in.
 */
function drawnFrom(cached: FirstPaint): string {
  const inputs = [cached, readSoundSetting(), new Date().getTimezoneOffset()];
  const json = JSON.stringify(inputs, (_key, value: unknown) => (value instanceof Map ? [...value] : value));
  return digest(json);
}

/**
 * FirstPaintFrame's markup for `cached`, rendered into a detached element within the app's context
 * (its i18n, its provides). Detached, the list's rows are its first frame's: a screenful by the
 * window's height (useRowWindow.ts), no layout read. Test ids are renamed (data-snapshot-testid):
 * the picture must not be found as the app by tests while both are in the DOM.
 */
function frameMarkup(cached: FirstPaint, context: AppContext | null): string {
  const host = document.createElement('div');
  const vnode = h(FirstPaintFrame, { cached, opening: null });
  vnode.appContext = context;
  render(vnode, host);
  try {
    for (const el of host.querySelectorAll('[data-testid]')) renameAttribute(el, 'data-testid', 'data-snapshot-testid');
    // Vue sets inline styles (the list's padding, an avatar's colour) through the CSSOM, which the CSP
    // allows; as markup they would be style attributes, which it blocks (style-src-attr). The picture
    // carries them as data and sets them through the CSSOM too (boot/paint-list-snapshot.ts).
    for (const el of host.querySelectorAll('[style]')) renameAttribute(el, 'style', SNAPSHOT_STYLE);
    return host.innerHTML;
  } finally {
    render(null, host);
  }
}

function renameAttribute(el: Element, from: string, to: string): void {
  el.setAttribute(to, el.getAttribute(from)!);
  el.removeAttribute(from);
}
