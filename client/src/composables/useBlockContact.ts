import { computed, ref } from 'vue';
import { engine } from '../engine.ts';
import { t } from '../i18n/index.ts';
import { describeError } from '../lib/errors.ts';
import { useLiveQuery } from './useLiveQuery.ts';

export type BlockAction = 'block' | 'unblock';

const TEXT = {
  failed: (action: BlockAction) => (action === 'block' ? t('chat.block.blockFailed') : t('chat.block.unblockFailed')),
};

/**
 * Whether the chat's contact is blocked, from the engine's stored block list (so it holds
 * offline, after a reload and in every tab), and the confirm-then-call flow of blocking and
 * unblocking. The calls need the server: offline, the dialog stays open with the reason.
 */
export function useBlockContact(peerId: string) {
  const { data: blockedIds } = useLiveQuery(() => engine.queries.blocked(), { initial: [] as string[] });
  const blocked = computed(() => blockedIds.value.includes(peerId));
  /** The action waiting for the user's confirmation. */
  const asking = ref<BlockAction | null>(null);
  const busy = ref(false);
  const error = ref<string | null>(null);

  function ask(action: BlockAction) {
    error.value = null;
    asking.value = action;
  }

  function cancel() {
    if (!busy.value) asking.value = null;
  }

  async function confirm() {
    const action = asking.value;
    if (!action || busy.value) return;
    busy.value = true;
    error.value = null;
    try {
      await (action === 'block' ? engine.blockUser(peerId) : engine.unblockUser(peerId));
      asking.value = null;
    } catch (e) {
      error.value = describeError(e, TEXT.failed(action));
    } finally {
      busy.value = false;
    }
  }

  return { blocked, asking, busy, error, ask, cancel, confirm };
}
