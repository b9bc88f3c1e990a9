import type { ConversationView } from '@pigeon/sync-protocol/engine';
import { engine } from '../engine.ts';
import { dropWarm, warmUp } from './warmLiveQuery.ts';

/** The conversation list's live query (MessengerPage), and its key for warmUp. */
export const conversationsQuery = (): Promise<ConversationView[]> => engine.queries.conversations();
export const CONVERSATIONS_WARM = 'conversations';

/**
 * Starts the list's first read alongside engine.resume() (boot/start-engine.ts), so it runs while
 * the resume and the messenger's mount do; the messenger adopts it. Until then the read began only
 * after MessengerPage's setup, behind a setTimeout and the empty list's frame (the cold open's
 * trace, issue #20). The database holds only the stored session's data (it is cleared on sign-out),
 * and an unadopted read is dropped when no session is resumed or one ends (dropConversationList).
 */
export function warmConversationList(): void {
  void warmUp(CONVERSATIONS_WARM, conversationsQuery, 10_000);
}

export function dropConversationList(): void {
  dropWarm(CONVERSATIONS_WARM);
}
