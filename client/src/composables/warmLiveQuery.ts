import { liveQuery } from 'dexie';

/**
 * A Dexie liveQuery subscribed before the component that shows it exists, so its first read runs
 * while that component's chunk, setup and first frame are still being done. Dexie starts a
 * subscription's first read in a setTimeout: subscribed from the component's setup, the read only
 * began after the skeleton's frame (the open chat's trace, issue #20), and the messages came one
 * read later. Warmed at the click instead, the read overlaps the mount; the component adopts the
 * subscription (useLiveQuery's `warm` option), with its first result when it is already in.
 *
 * One subscription per key; one adopter takes it. Not adopted within `ttlMs` (the chat was never
 * shown: another click came first), it is dropped.
 */
export interface WarmSubscription<T> {
  /** The latest result, if one came before the adoption. */
  readonly current: { value: T } | null;
  /** Where the next results (and errors) go from now on. */
  listen(next: (value: T) => void, error: (e: unknown) => void): void;
  unsubscribe(): void;
}

interface Entry<T> extends WarmSubscription<T> {
  timer: ReturnType<typeof setTimeout>;
  /** Settles with the first result or error. */
  first: Promise<void>;
}

const DEFAULT_TTL_MS = 5_000;
const warm = new Map<string, Entry<unknown>>();

/**
 * Starts `query` as a live query under `key`, unless one is already warm under that key. Resolves
 * once its first result (or error) is in; it never rejects.
 */
export function warmUp<T>(key: string, query: () => Promise<T>, ttlMs = DEFAULT_TTL_MS): Promise<void> {
  const existing = warm.get(key);
  if (existing) return existing.first;
  let settle!: () => void;
  const first = new Promise<void>((resolve) => (settle = resolve));
  let current: { value: T } | null = null;
  let failed: { error: unknown } | null = null;
  let onNext: ((value: T) => void) | null = null;
  let onError: ((e: unknown) => void) | null = null;
  const subscription = liveQuery(query).subscribe({
    next(value) {
      current = { value };
      settle();
      onNext?.(value);
    },
    error(e: unknown) {
      failed = { error: e };
      settle();
      onError?.(e);
    },
  });
  const entry: Entry<T> = {
    get current() {
      return current;
    },
    listen(next, error) {
      onNext = next;
      onError = error;
      if (failed) error(failed.error);
    },
    unsubscribe: () => subscription.unsubscribe(),
    timer: setTimeout(() => {
      if (warm.get(key) !== entry) return;
      warm.delete(key);
      subscription.unsubscribe();
    }, ttlMs),
    first,
  };
  warm.set(key, entry as Entry<unknown>);
  return first;
}

/** Unsubscribes what is warm under `key` (nobody will adopt it: the session ended, or none was resumed). */
export function dropWarm(key: string): void {
  takeWarm(key)?.unsubscribe();
}

/** The warm subscription under `key`, now the caller's (it must unsubscribe); null when there is none. */
export function takeWarm<T>(key: string): WarmSubscription<T> | null {
  const entry = warm.get(key) as Entry<T> | undefined;
  if (!entry) return null;
  warm.delete(key);
  clearTimeout(entry.timer);
  return entry;
}
