import { computed, ref, watch } from 'vue';
import { engine } from '../engine.ts';
import { unsubscribeThisDevice } from './usePushSubscription.ts';
import { useEngineState } from './useEngineState.ts';

/**
 * The sign-out flow behind SignOutDialog:
 *
 *   closed ──open──▶ asking ──"Sign out" / "Sign out anyway"──────────────────▶ signing-out ──▶ closed
 *                      │ ▲                                                          ▲
 *   "Send them first"  ▼ │ cancel                                                   │
 *                    waiting ──── the outbox is empty (the engine sent everything) ─┘
 *
 * "Sign out anyway" keeps the unsent messages queued on this device for the account's next
 * sign-in here (the engine keeps them even if someone else signs in meanwhile); with
 * "clear my messages" they are discarded with the rest of the account's local data.
 */
export type SignOutPhase = 'closed' | 'asking' | 'waiting' | 'signing-out';

export function useSignOut(done: () => void) {
  const phase = ref<SignOutPhase>('closed');
  const state = useEngineState();
  /** Messages typed on this device that the server does not have yet. */
  const unsent = computed(() => state.value.outboxSize);
  let clearAfterWait = false;

  function open() {
    if (phase.value === 'closed') phase.value = 'asking';
  }

  /** Cancel: stay signed in (also stops waiting for the outbox). */
  function cancel() {
    if (phase.value !== 'signing-out') phase.value = 'closed';
  }

  /** Signs out now; unsent messages stay queued unless `clearData`. */
  async function signOut(clearData: boolean) {
    if (phase.value === 'signing-out') return;
    phase.value = 'signing-out';
    try {
      // While the token still works: the server forgets this device's push endpoint now, so the
      // next account's messages never notify here (best effort, at most 2 s; offline, the push
      // service's 410 makes the server forget it at the next push).
      await unsubscribeThisDevice().catch((e: unknown) => console.warn('[signOut] push', e));
      await engine.signOut({ clearData });
    } catch (e) {
      console.warn('[signOut]', e);
    } finally {
      phase.value = 'closed';
      done();
    }
  }

  /** Stays signed in until every unsent message is on the server, then signs out by itself. */
  function sendFirst(clearData: boolean) {
    clearAfterWait = clearData;
    phase.value = 'waiting';
  }

  watch([phase, unsent], ([p, n]) => {
    if (p === 'waiting' && n === 0) void signOut(clearAfterWait);
  });

  return { phase, unsent, connection: computed(() => state.value.connection), open, cancel, signOut, sendFirst };
}
