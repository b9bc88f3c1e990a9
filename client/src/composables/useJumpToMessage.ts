import { t } from '../i18n/index.ts';
import { nextTick, watch, type Ref } from 'vue';
import { describeError } from '../lib/errors.ts';

export interface JumpToMessageOptions {
  /** The message id the route asks to open the chat at (a search result, a link), or null. */
  jumpTo: () => string | null;
  /** The list's window of messages is loaded (it flips with each widening of the window). */
  loaded: Ref<boolean>;
  /** Loads history around the message if this device lacks it (queries.messagesAround); false when it cannot be found. */
  reveal: (id: string) => Promise<boolean>;
  /** Scrolls to, focuses and highlights the message once rendered; false when it is not in the list. */
  highlight: (id: string) => Promise<boolean>;
  /** What went wrong, in words for the user. */
  fail: (message: string) => void;
  /** The jump is over (found or not): the route drops the message id. */
  done: () => void;
}

/**
 * Opens a chat at one of its messages, for ChatPane and GroupChatPane alike: history around it
 * is loaded if needed, then it is scrolled to, focused and highlighted. One jump per id at a time.
 */
export function useJumpToMessage(o: JumpToMessageOptions): void {
  let jumping: string | null = null;
  watch(
    [o.jumpTo, o.loaded],
    async ([id, ready]) => {
      if (!id || !ready || jumping === id) return;
      jumping = id;
      try {
        let found = await o.reveal(id);
        if (found) {
          await nextTick();
          found = await o.highlight(id);
        }
        if (!found) o.fail(t('app.jump.gone'));
      } catch (e) {
        o.fail(describeError(e, t('app.jump.failed')));
      } finally {
        jumping = null;
        o.done();
      }
    },
    { immediate: true },
  );
}
