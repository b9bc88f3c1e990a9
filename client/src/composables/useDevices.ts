import type { SessionInfo } from '@pigeon/sync-protocol/engine';
import { computed, reactive, ref, watch } from 'vue';
import { engine } from '../engine.ts';
import { describeError } from '../lib/errors.ts';
import { t } from '../i18n/index.ts';
import { useEngineState } from './useEngineState.ts';

/** Read at each use: the language may change while the view is open. */
const TEXT = {
  get loadFailed() {
    return t('devices.loadFailed');
  },
  get signOutFailed() {
    return t('devices.signOutFailed');
  },
  someFailed: (n: number, reason: string) => t('devices.someFailed', { n, reason }, n),
};

export type DevicesStatus = 'loading' | 'ready' | 'failed';

/**
 * The Devices view's data: the account's sessions (one per signed-in device) from the server,
 * and signing them out. These are online-only engine calls, so nothing is cached: the view
 * asks when it opens and again whenever the connection comes back after a failure.
 */
export function useDevices() {
  const sessions = ref<SessionInfo[]>([]);
  const status = ref<DevicesStatus>('loading');
  /** Loading the list failed (cleared by the next load that works). */
  const loadError = ref<string | null>(null);
  /** The last sign-out failed (cleared when the user tries again). */
  const actionError = ref<string | null>(null);
  const error = computed(() => actionError.value ?? loadError.value);
  /** Sessions being signed out now. */
  const pending = reactive(new Set<string>());
  const signingOutOthers = ref(false);
  const state = useEngineState();

  const current = computed(() => sessions.value.find((s) => s.current) ?? null);
  const others = computed(() => sessions.value.filter((s) => !s.current));

  let loads = 0;
  async function load(): Promise<void> {
    const run = ++loads;
    if (status.value !== 'ready') status.value = 'loading';
    try {
      const list = await engine.listSessions();
      if (run !== loads) return; // a newer load is under way
      sessions.value = list;
      status.value = 'ready';
      loadError.value = null;
    } catch (e) {
      if (run !== loads) return;
      // A list already shown stays; only the first load fails the view.
      if (status.value !== 'ready') status.value = 'failed';
      loadError.value = describeError(e, TEXT.loadFailed);
    }
  }

  const forget = (ids: readonly string[]) => (sessions.value = sessions.value.filter((s) => !ids.includes(s.id)));

  async function signOut(id: string): Promise<boolean> {
    if (pending.has(id)) return false;
    pending.add(id);
    actionError.value = null;
    try {
      await engine.revokeSession(id);
      forget([id]);
      return true;
    } catch (e) {
      actionError.value = describeError(e, TEXT.signOutFailed);
      return false;
    } finally {
      pending.delete(id);
      void load(); // whatever happened, show the server's list
    }
  }

  async function signOutOthers(): Promise<boolean> {
    const ids = others.value.map((s) => s.id);
    if (signingOutOthers.value || ids.length === 0) return false;
    signingOutOthers.value = true;
    actionError.value = null;
    ids.forEach((id) => pending.add(id));
    // The server has no "all but this one" call: one request per device, in parallel.
    const results = await Promise.allSettled(ids.map((id) => engine.revokeSession(id)));
    ids.forEach((id) => pending.delete(id));
    forget(ids.filter((_, i) => results[i]!.status === 'fulfilled'));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failures.length > 0) actionError.value = TEXT.someFailed(failures.length, describeError(failures[0]!.reason, TEXT.signOutFailed));
    signingOutOthers.value = false;
    void load();
    return failures.length === 0;
  }

  // Opened offline (or the server was away): try again as soon as the connection is back.
  watch(
    () => state.value.connection === 'online',
    (online) => {
      if (online && status.value !== 'ready') void load();
    },
  );
  void load();

  return { sessions, status, error, pending, signingOutOthers, current, others, load, signOut, signOutOthers };
}
