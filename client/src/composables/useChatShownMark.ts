import { onMounted, watch, type Ref } from 'vue';
import { chatShown } from '../perf/marks.ts';

/**
 * pigeon:chat-rendered for a chat pane: once its first window of messages is in the DOM. Flush
 * 'post': the rows are rendered, and ChatMessageList has queued its scroll to the bottom, which runs
 * before the frame is painted. A window already read at setup (prefetched at the click,
 * useConversationMessages) is in the pane's first render: marked once mounted.
 */
export function useChatShownMark(conversationId: string, loaded: Readonly<Ref<boolean>>): void {
  if (loaded.value) onMounted(() => chatShown(conversationId));
  watch(
    loaded,
    (ready) => {
      if (ready) chatShown(conversationId);
    },
    { flush: 'post' },
  );
}
