import { watch, type Ref } from 'vue';
import { chatShown } from '../perf/marks.ts';

/**
 * pigeon:chat-rendered for a chat pane: once its message list says its first window of messages is
 * drawn and covers the view (ChatMessageList's `shown`: the window fills from the newest row up over
 * a few tasks, useVirtualList). The list reports it at the earliest during its own set-up, after
 * the pane's, so `shown` is false here and the watch sees it turn. Flush 'post': those rows are
 * rendered and the list is scrolled to the bottom before the frame is painted.
 */
export function useChatShownMark(conversationId: string, shown: Readonly<Ref<boolean>>): void {
  watch(
    shown,
    (ready) => {
      if (ready) chatShown(conversationId);
    },
    { flush: 'post' },
  );
}
