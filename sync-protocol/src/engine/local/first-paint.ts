/**
 * The conversation list as the device last stored it, read with plain IndexedDB: no Dexie, no zod,
 * no engine. A page opening a signed-in session draws this while the engine's chunk (most of the
 * app's JavaScript) is still loading, so the cached chats show before any of it has run
 * (issue #20: the engine's chunk, its start, the session's resume and the messenger's render were
 * ~60 % of the cold open, traced).
 *
 * It only reads, and only a database of exactly the schema this build knows: an older one (an
 * upgrade pending, which the engine runs) or a newer one (another tab on a newer build) gives null,
 * and the app waits for the engine as before. It never creates the database (a missing one aborts
 * the open) and closes its connection as soon as the read is done, or when an upgrade asks.
 */
import type { User } from '../../model/user.ts';
import type { ConversationView } from '../api.ts';
import { conversationView, draftsByConversation, isLocalGroupId } from './conversation-view.ts';
import type { StoredConversation } from './local-db.ts';
import { META } from './meta-keys.ts';

/** The last entry of schema-versions.ts' VERSIONS (a unit test keeps them equal). */
export const SCHEMA_VERSION = 11;
/** Dexie opens version v as IndexedDB version v × 10. */
const IDB_VERSION = SCHEMA_VERSION * 10;

export interface FirstPaint {
  /** The signed-in user (the session's `userId`, as the users table holds them). */
  me: User;
  /** Every conversation, as `queries.conversations()` gives them: newest activity first. */
  conversations: ConversationView[];
  /** The profiles a group's preview names (last senders, a system line's people) that the device holds. */
  users: Map<string, User>;
  /** The session's unsent composer texts by conversation, as the engine's drafts give them. */
  drafts: Map<string, string>;
}

/**
 * Reads the stored session's list, or null: no database, another schema version, no session, a
 * missing profile, or any error (the engine then decides, as it did before this existed).
 */
export async function readFirstPaint(idb: IDBFactory, dbName = 'pigeon'): Promise<FirstPaint | null> {
  let db: IDBDatabase | null = null;
  try {
    db = await openExisting(idb, dbName);
    if (!db || db.version !== IDB_VERSION) return null;
    return await readList(db);
  } catch {
    return null;
  } finally {
    db?.close();
  }
}

function openExisting(idb: IDBFactory, name: string): Promise<IDBDatabase | null> {
  return new Promise((resolve, reject) => {
    const request = idb.open(name);
    // No database by this name: opening would create an empty one (and a first visit would then
    // look like a device with a session: boot/engine-loader.ts mayHaveSession). Abort instead.
    request.onupgradeneeded = () => request.transaction?.abort();
    request.onsuccess = () => {
      const db = request.result;
      // The engine upgrading the schema must never wait for this reader.
      db.onversionchange = () => db.close();
      resolve(db);
    };
    request.onerror = (event) => {
      event.preventDefault();
      if (request.error?.name === 'AbortError') resolve(null);
      else reject(request.error);
    };
    request.onblocked = () => resolve(null);
  });
}

/** One read transaction: the session, then the list, the profiles it names and the drafts. */
function readList(db: IDBDatabase): Promise<FirstPaint | null> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(['meta', 'users', 'conversations', 'drafts'], 'readonly');
    const meta = tx.objectStore('meta');
    let result: FirstPaint | null = null;
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);

    const read = <T>(request: IDBRequest): Promise<T> =>
      new Promise((done) => {
        // A failed request fails the transaction, which rejects the whole read above.
        request.onsuccess = () => done(request.result as T);
      });
    // Every request is made from a success callback (the promises' then runs in the same task
    // as the request's success event), so the transaction stays active throughout.
    void (async () => {
      const [token, userId] = await Promise.all([read<MetaRow>(meta.get(META.token)), read<MetaRow>(meta.get(META.userId))]);
      // As the engine's loadSession: both a token and a user, or no session.
      if (typeof token?.value !== 'string' || typeof userId?.value !== 'string') return;
      const meId = userId.value;
      const [rows, draftRows] = await Promise.all([
        read<StoredConversation[]>(tx.objectStore('conversations').index('updatedAt').getAll()),
        read<{ conversationId: string; text: string }[]>(tx.objectStore('drafts').index('owner').getAll(meId)),
      ]);
      rows.reverse();
      const wanted = [...new Set([meId, ...rows.flatMap(namedBy)])];
      const locals = [...new Set(draftRows.map((d) => d.conversationId).filter(isLocalGroupId))];
      const [users, aliases] = await Promise.all([
        Promise.all(wanted.map((id) => read<User | undefined>(tx.objectStore('users').get(id)))),
        Promise.all(locals.map((id) => read<MetaRow>(meta.get(META.aliasPrefix + id)))),
      ]);
      const found = new Map(users.flatMap((u) => (u ? [[u.id, u] as const] : [])));
      const me = found.get(meId);
      if (!me) return;
      const alias = new Map(locals.map((id, i) => [id, aliases[i]?.value as string | undefined]));
      result = {
        me,
        conversations: rows.map((row) => conversationView(row, row.peerId ? found.get(row.peerId) : undefined)),
        users: found,
        drafts: draftsByConversation(draftRows, (id) => alias.get(id)),
      };
    })();
  });
}

type MetaRow = { key: string; value: unknown } | undefined;

/** The users a row's list entry names: a 1:1 conversation's peer; a group's last sender and a system line's people. */
function namedBy(row: StoredConversation): string[] {
  if (row.type !== 'group') return row.peerId ? [row.peerId] : [];
  const last = row.lastMessage;
  return last ? [last.senderId, ...(last.system?.userIds ?? [])] : [];
}
