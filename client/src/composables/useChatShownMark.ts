import { onMounted, watch, type Ref } from 'vue';
import { chatShown } from '../perf/marks.ts';

/**
 * pigeon:chat-rendered for a chat pane: once its message list says its first window of messages is
 * drawn and covers the view (ChatMessageList's `shown`: the window fills from the newest row up over
 * a few tasks, useVirtualList). Flush 'post': those rows are rendered and the list is scrolled to the
 * bottom before the frame is painted. Already shown at the pane's setup: marked once mounted.
 */
export function useChatShownMark(conversationId: string, shown: Readonly<Ref<boolean>>): void {
  if (shown.value) onMounted(() => chatShown(conversationId));
  watch(
    shown,
    (ready) => {
      if (ready) chatShown(conversationId);
    },
    { flush: 'post' },
  );
}
