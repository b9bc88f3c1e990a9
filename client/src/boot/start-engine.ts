/**
 * The sync engine (Dexie, zod, Socket.io and the engine itself: most of the app's JavaScript) and
 * the stores that follow its events. App.vue imports this module dynamically, so the entry chunk
 * is only Vue, vue-i18n and the shell: the splash paints while this chunk is fetched and parsed
 * (docs/client.md, "Code splitting").
 */
import type { User } from '@pigeon/sync-protocol';
import { dropConversationList, warmConversationList } from '../composables/conversationsQuery.ts';
import { createEngine, engine } from '../engine.ts';
import { parseHash } from '../lib/hash-route.ts';
import { trackPresence } from '../stores/presence.ts';
import { trackTyping } from '../stores/typing.ts';

let started = false;

/**
 * Creates the engine and the stores that follow its events. The engine loader calls it in a task
 * after the one that evaluated this chunk (engine.ts says why); anything using the engine before
 * that creates it, so only the timing depends on it.
 */
export function start(): void {
  if (started) return;
  started = true;
  createEngine();
  trackTyping();
  trackPresence();
  // A list read warmed for a session that has ended must never reach the next one's messenger.
  engine.on('signed-out', dropConversationList);
}

/**
 * engine.resume(), with the conversation list's first read started at the same time: the
 * messenger, mounted once a user is resumed, adopts it (composables/conversationsQuery.ts).
 * Only when the list is what opens: with a chat opened by its link, the list in the messenger's
 * first render mounted the chat pane in that same task, one long task instead of two (Lighthouse's
 * open-chat run: total blocking time up by ~300 ms at 4x CPU, performance 85 -> 76 median).
 */
export async function resume(): Promise<User | null> {
  if (parseHash(location.hash).view === 'list') warmConversationList();
  try {
    const user = await engine.resume();
    if (!user) dropConversationList();
    return user;
  } catch (e) {
    dropConversationList();
    throw e;
  }
}

export { engine };
