/**
 * What each open window of the app shows, for the worker's decisions (windows.ts). Each window is
 * asked (WHICH_CHAT on a MessageChannel, answered by pwa/sw-messages.ts); one that does not
 * answer within `timeoutMs` is judged by its URL.
 */
import { isShownChatMessage, WHICH_CHAT } from './messages.ts';
import { conversationIdOf } from './route.ts';
import type { WindowClient } from './sw-types.ts';
import type { WindowSnapshot } from './windows.ts';

export const ASK_TIMEOUT_MS = 500;

function askChat(client: WindowClient, timeoutMs: number): Promise<string | null | undefined> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => {
      channel.port1.close();
      resolve(undefined);
    }, timeoutMs);
    channel.port1.onmessage = (event) => {
      clearTimeout(timer);
      channel.port1.close();
      resolve(isShownChatMessage(event.data) ? event.data.conversationId : undefined);
    };
    try {
      client.postMessage({ type: WHICH_CHAT }, [channel.port2]);
    } catch {
      clearTimeout(timer);
      resolve(undefined);
    }
  });
}

export async function snapshotWindows(clients: readonly WindowClient[], timeoutMs = ASK_TIMEOUT_MS): Promise<WindowSnapshot[]> {
  return Promise.all(
    clients.map(async (client) => {
      const answer = await askChat(client, timeoutMs);
      return {
        conversationId: answer === undefined ? conversationIdOf(client.url) : answer,
        visibilityState: client.visibilityState,
        focused: client.focused,
      };
    }),
  );
}
