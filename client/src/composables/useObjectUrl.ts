import { onBeforeUnmount, ref, shallowRef, watch, type WatchSource } from 'vue';
import { errorCode } from '../lib/errors.ts';

/** Refusals that another attempt will not change. */
const FINAL = new Set(['FORBIDDEN', 'NOT_FOUND', 'VALIDATION', 'UNAUTHENTICATED']);
/** Backoff of the automatic retries after a passing failure (a busy server, a dropped request). */
const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/**
 * An object URL for bytes the engine hands out (engine.media.thumbnail / blob), loaded whenever
 * `source` changes (an own photo's `local:` id becomes the server's after the ack) and revoked
 * when replaced or when the component unmounts. The previous picture stays until the next one is
 * ready, so nothing flickers. A passing failure is tried again with backoff; `retry()` loads again
 * at once (the connection came back).
 */
export function useObjectUrl<T>(source: WatchSource<T | null>, load: (value: T) => Promise<Blob>) {
  const url = ref<string | null>(null);
  const state = ref<'idle' | 'loading' | 'ready' | 'failed'>('idle');
  /** The engine's code of the last failure (UNAVAILABLE offline, FORBIDDEN, NOT_FOUND). */
  const error = shallowRef<string | null>(null);
  let generation = 0;
  let current: T | null = null;
  let alive = true;
  let attempts = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function set(next: string | null) {
    if (url.value) URL.revokeObjectURL(url.value);
    url.value = next;
  }

  async function fetchFor(value: T | null) {
    const mine = ++generation;
    clearTimeout(timer);
    if (value !== current) attempts = 0;
    current = value;
    if (value === null) return;
    state.value = 'loading';
    try {
      const blob = await load(value);
      if (!alive || mine !== generation) return;
      set(URL.createObjectURL(blob));
      state.value = 'ready';
      error.value = null;
      attempts = 0;
    } catch (e) {
      if (!alive || mine !== generation) return;
      state.value = 'failed';
      error.value = errorCode(e) ?? 'UNKNOWN';
      if (!FINAL.has(error.value)) {
        const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** attempts++);
        timer = setTimeout(() => void fetchFor(value), delay);
      }
    }
  }

  watch(source, (value) => void fetchFor(value), { immediate: true });
  onBeforeUnmount(() => {
    alive = false;
    clearTimeout(timer);
    set(null);
  });

  return { url, state, error, retry: () => fetchFor(current) };
}

/** Saves bytes under a file name through a temporary `<a download>` (its object URL revoked right after the click is handled). */
export function saveBlob(blob: Blob, name: string): void {
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.rel = 'noopener';
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has started from the URL by the next tasks; a minute is ample on a slow disk.
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}
