/**
 * Older history through `GET /api/messages/conversation?id=&before=`. The server's
 * history cursor is kept per conversation in meta and moves only after the page it
 * covers is committed (same rule as the sync cursor).
 */
import type { HistoryResponse } from '../../rest/messages.ts';
import { META, type LocalDb } from '../local/local-db.ts';
import { messageStore, messageTables } from '../local/message-store.ts';
import { applyServerCopies, type ApplyResult } from './store-server-changes.ts';

/** At most this many pages per call when the newest pages are all already held. */
const MAX_PAGES_PER_CALL = 20;

export interface LoadOlderDeps {
  db: LocalDb;
  me: string;
  fetchPage: (conversationId: string, before: string | null, limit: number) => Promise<HistoryResponse>;
  afterPage: (result: ApplyResult) => void;
}

/** Resolves with the number of messages the device did not hold before. */
export async function loadOlder({ db, me, fetchPage, afterPage }: LoadOlderDeps, conversationId: string, limit: number): Promise<number> {
  // seq is gap-free from 1, so holding seq 1 means holding the beginning: no request needed.
  const oldest = await db.transaction('r', messageTables(db), () => messageStore(db).first(conversationId));
  if (oldest?.seq === 1) return 0;
  const key = META.historyPrefix + conversationId;
  // undefined: never paged (start from the newest page); null: the server said there is no more.
  let before = await db.getMeta<string | null>(key);
  if (before === null) return 0;
  for (let page = 0; page < MAX_PAGES_PER_CALL; page++) {
    const res = await fetchPage(conversationId, before ?? null, limit);
    const result = await applyServerCopies(db, res.messages, me);
    afterPage(result);
    await db.setMeta(key, res.nextCursor);
    // Pages the device already holds (the newest ones, at first) add nothing: keep going.
    if (result.inserted > 0 || res.nextCursor === null) return result.inserted;
    before = res.nextCursor;
  }
  return 0;
}
