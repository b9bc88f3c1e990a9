/**
 * `queries.messagesAround`: the messages around one (a reply's quote was clicked). The original
 * may be older than anything this device holds, so unlike the other queries this one may page
 * older history in from the server (down/history.ts) until it finds the message or the history
 * ends. Offline (or refused), it answers from what the device holds: a quote never breaks the chat.
 */
import type { LocalMessage } from '../api.ts';
import { toLocalMessage, type LocalDb, type StoredMessage } from './local-db.ts';
import { resolveConversationId } from './rekey.ts';
import { messageStore, messageTables, type MessageStore } from './message-store.ts';

export interface AroundDeps {
  db: LocalDb;
  /** Adds one older page of the conversation; resolves with how many messages it added (0: nothing more). Absent: local only. */
  loadOlder?: ((conversationId: string) => Promise<number>) | undefined;
}

/** How many older pages one call may bring in looking for the message (a page is LIMITS.historyPageDefault). */
const MAX_PAGES = 20;

const shown = (row: StoredMessage): boolean => !row.hiddenAt;

export async function messagesAround({ db, loadOlder }: AroundDeps, conversationId: string, messageId: string, before = 20, after = 20): Promise<LocalMessage[]> {
  const id = await resolveConversationId(db, conversationId);
  // Each read in a transaction of its own, between which history pages may be stored.
  const read = <T>(f: (store: MessageStore) => Promise<T>) => db.transaction('r', messageTables(db), () => f(messageStore(db)));
  const find = () => read((s) => s.byId(messageId));
  const more = async (): Promise<boolean> => {
    if (!loadOlder) return false;
    try {
      return (await loadOlder(id)) > 0;
    } catch {
      return false; // offline or refused: what the device holds is the answer
    }
  };
  let target = await find();
  for (let page = 0; !target && page < MAX_PAGES && (await more()); page++) target = await find();
  if (!target || target.conversationId !== id || target.seq === null || !shown(target)) return [];

  const olderThan = () => read((s) => s.range(id, { hi: target!.seq!, newest: true, keep: shown, limit: Math.max(0, before) }));
  let older = await olderThan();
  // Not enough held before it, and the conversation goes further back: one more page.
  if (older.length < before && (older[0]?.seq ?? target.seq) > 1 && (await more())) older = await olderThan();
  const newer = await read((s) => s.range(id, { lo: target!.seq!, keep: shown, limit: Math.max(0, after) }));
  // The newest ones held may be followed by this device's unsent ones.
  const unsent = newer.length < after ? await db.inConversation('unacked', id).filter(shown).limit(after - newer.length).toArray() : [];
  return [...older, target, ...newer, ...unsent].map(toLocalMessage);
}
