import { getCurrentScope, nextTick, onScopeDispose, ref, type Ref } from 'vue';

const HIGHLIGHT_MS = 2_000;

/**
 * Focus and highlight of the bubbles in a message list (`scroller`): `highlight` scrolls a
 * message into the middle of the view, focuses it and marks it for a moment (a quote was
 * clicked); `focusMessage` gives focus back to a bubble (its menu or a dialog it opened closed).
 */
export function useBubbleFocus(scroller: Readonly<Ref<HTMLElement | null>>) {
  /** The server id of the highlighted message, for HIGHLIGHT_MS. */
  const highlighted = ref<string | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;

  function bubbleEl(attr: 'data-key' | 'data-message-id', value: string): HTMLElement | null {
    return scroller.value?.querySelector<HTMLElement>(`[data-testid="message-bubble"][${attr}="${CSS.escape(value)}"]`) ?? null;
  }

  /** False when the message is not in the list. */
  async function highlight(messageId: string): Promise<boolean> {
    await nextTick();
    const el = bubbleEl('data-message-id', messageId);
    if (!el) return false;
    el.scrollIntoView({ block: 'center' });
    el.focus({ preventScroll: true });
    highlighted.value = messageId;
    clearTimeout(timer);
    timer = setTimeout(() => (highlighted.value = null), HIGHLIGHT_MS);
    return true;
  }

  function focusMessage(key: string) {
    bubbleEl('data-key', key)?.focus();
  }

  if (getCurrentScope()) onScopeDispose(() => clearTimeout(timer));
  return { highlighted, highlight, focusMessage };
}
