/**
 * The first paint of a signed-in device: the conversation list as it was stored, drawn before the
 * engine's chunk has loaded (components/first-paint/FirstPaintMessenger.vue, in place of the
 * splash). The read is plain IndexedDB (@pigeon/sync-protocol/first-paint: no Dexie, no zod),
 * started from main.ts before Vue mounts, so it runs while the entry's work does. The messenger
 * replaces it once the session is resumed.
 *
 * Before it, the list waited for the engine's chunk to be fetched and evaluated, the engine to
 * start, the session to resume and the messenger to render: ~60 % of a cold open, traced (#20).
 *
 * Only on the list (a chat's link opens onto the chat, which needs the engine), only where this
 * browser showed a session last time (signed-in-hint.ts: a first visit reads nothing), and only
 * with at least one conversation: an empty list is no faster to show this way.
 *
 * Elsewhere (a chat's link on a signed-in device) the first paint is index.html's static splash:
 * the engine's chunks wait until its icon has loaded and a frame has shown it (at most
 * WAIT_FOR_SPLASH_MS). Requested during the entry's evaluation, they were under way before the
 * splash was painted in about half of Lighthouse's open-chat runs, and its slow-4G simulation
 * then counts their download into the largest contentful paint (2.6–2.8 s against 1.2–1.5 s;
 * docs/benchmarks.md figure 12). The icon is 3 KB and precached, so this costs a frame or two.
 */
import { readFirstPaint, type FirstPaint } from '@pigeon/sync-protocol/first-paint';
import type { Component } from 'vue';
import { parseHash } from '../lib/hash-route.ts';
import { afterNextPaintOrNow } from '../perf/marks.ts';
import { signedInLastTime } from './signed-in-hint.ts';

export interface FirstPaintView {
  component: Component;
  cached: FirstPaint;
}

/**
 * At most this long between startFirstPaint and the engine's chunk being asked for. The engine
 * waits for the first paint (engine-loader.ts): evaluating its chunk is one long task or two on
 * the main thread, and the cached list's read and render queued behind them (measured: with the
 * engine loading alongside, the list came no sooner than with no first paint at all). Bounded, so a first
 * paint that never comes (a chunk that does not load, a database that does not answer) costs
 * the messenger this much at most.
 */
const WAIT_FOR_PAINT_MS = 500;

/** At most this long between startFirstPaint and the engine's chunks being asked for, where the first paint is the static splash. */
const WAIT_FOR_SPLASH_MS = 100;

let reading: Promise<FirstPaintView | null> = Promise.resolve(null);
let settled: Promise<void> = Promise.resolve();
let settle: () => void = () => {};
/** A first paint was started and is neither on screen nor given up yet. */
let pending = false;
/** What the engine waits for: the cached list (App.vue may give it up) or the static splash (only its paint ends the wait). */
let awaited: 'list' | 'splash' = 'list';

/** Holds the engine until settle() or `ms`, whichever comes first. */
function hold(what: typeof awaited, ms: number): void {
  pending = true;
  awaited = what;
  settled = new Promise<void>((resolve) => {
    settle = () => {
      pending = false;
      resolve();
    };
  });
  setTimeout(settle, ms);
}

/** index.html's splash icon loaded (or failed) and a frame rendered after it; at once without one. */
function afterSplashPainted(done: () => void): void {
  const icon = typeof document === 'undefined' ? null : document.querySelector<HTMLImageElement>('.boot-splash img');
  if (!icon || icon.complete) return afterNextPaintOrNow(done);
  const loaded = () => afterNextPaintOrNow(done);
  icon.addEventListener('load', loaded, { once: true });
  icon.addEventListener('error', loaded, { once: true });
}

/**
 * Starts the read, and the component's load alongside (`loadComponent`: main.ts passes
 * components/first-paint/FirstPaintMessenger.vue, in the entry since the list snapshot needs its
 * styles there; a lazy import works too). A component that cannot load just means no first paint.
 */
export function startFirstPaint(loadComponent: () => Promise<{ default: Component }>): void {
  if (!signedInLastTime() || typeof indexedDB === 'undefined') return;
  if (parseHash(location.hash).view !== 'list') {
    hold('splash', WAIT_FOR_SPLASH_MS);
    afterSplashPainted(() => settle());
    return;
  }
  hold('list', WAIT_FOR_PAINT_MS);
  const component = loadComponent().then(
    (module) => module.default,
    () => null,
  );
  reading = readFirstPaint(indexedDB).then(async (cached) => {
    const loaded = cached && cached.conversations.length > 0 ? await component : null;
    if (!loaded || !cached) {
      settle(); // nothing to draw: the engine need not wait
      return null;
    }
    return { component: loaded, cached };
  });
}

/**
 * The cached list is on screen, or will not be drawn (App.vue, FirstPaintMessenger.vue): the engine
 * may load. Not the splash's wait: App.vue mounts, and says so, before the splash may have been painted.
 */
export function firstPaintDone(): void {
  if (awaited === 'list') settle();
}

/** Resolves once the engine's chunk may be loaded: at once where no first paint was started. */
export function firstPaintSettled(): Promise<void> {
  return settled;
}

/** Runs `fn` once the engine's chunk may be loaded: synchronously when no first paint is pending. */
export function afterFirstPaint(fn: () => void): void {
  if (pending) void settled.then(fn);
  else fn();
}

/** What startFirstPaint found: the component and the cached list to draw, or null (the splash, as before). */
export function firstPaint(): Promise<FirstPaintView | null> {
  return reading;
}
