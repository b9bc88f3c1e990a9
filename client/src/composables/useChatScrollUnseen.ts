import type { LocalMessage } from '@pigeon/sync-protocol/engine';
import { ref, watch, type Ref } from 'vue';

export interface ChatScrollUnseenOptions {
  messages: () => readonly LocalMessage[];
  meId: () => string;
  /** The view is at the newest message. */
  atBottom: Readonly<Ref<boolean>>;
  /** Brings the view to the newest message. */
  toBottom: () => void;
}

/**
 * The messages that arrived while the reader is scrolled up (the count on "Jump to newest"),
 * back to 0 at the bottom. Our own new message (sent here, or from another device of ours)
 * brings the view down instead.
 */
export function useChatScrollUnseen(o: ChatScrollUnseenOptions): Readonly<Ref<number>> {
  const unseen = ref(0);
  watch(
    o.messages,
    (next, prev) => {
      const last = next.at(-1);
      if (!last || prev.length === 0 || last.key === prev.at(-1)?.key) return;
      if (last.senderId === o.meId()) return o.toBottom();
      if (o.atBottom.value) return;
      const from = next.findIndex((m) => m.key === prev.at(-1)?.key);
      unseen.value += next.slice(from + 1).filter((m) => m.senderId !== o.meId() && m.type !== 'system').length;
    },
    { flush: 'pre' },
  );
  watch(o.atBottom, (bottom) => {
    if (bottom) unseen.value = 0;
  });
  return unseen;
}
