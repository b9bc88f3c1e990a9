import type { ContactsRecord } from '../store.ts';
import type { SqliteDatabase } from './database.ts';

/**
 * Store.contactsOf on SQLite: two index reads in one read transaction, no message row. Every
 * 1:1 conversation row holds a message (it is created with its first one), so each is a peer;
 * a group's current members are its open periods (members_open).
 */
export function sqliteContacts(db: SqliteDatabase) {
  const peers = db
    .prepare<{ userId: string }, string>(
      `SELECT user_b FROM conversations WHERE user_a = @userId UNION SELECT user_a FROM conversations WHERE user_b = @userId`,
    )
    .pluck();
  // The user's open periods (members_user), then each of those groups' open periods (members_open).
  const groupMembers = db.prepare<[string], { id: string; user_id: string }>(`
    SELECT c.id, o.user_id
    FROM users u
    JOIN members me ON me.uid = u.uid AND me.to_seq IS NULL
    JOIN conversations c ON c.cid = me.cid
    JOIN members o INDEXED BY members_open ON o.cid = me.cid AND o.to_seq IS NULL
    WHERE u.id = ?
    ORDER BY c.id, o.from_seq, o.user_id`);

  const contactsOf = db.transaction((userId: string): ContactsRecord => {
    const groups = new Map<string, string[]>();
    for (const r of groupMembers.all(userId)) {
      const members = groups.get(r.id);
      if (members) members.push(r.user_id);
      else groups.set(r.id, [r.user_id]);
    }
    return {
      peerIds: peers.all({ userId }),
      groups: [...groups].map(([id, memberIds]) => ({ id, memberIds })),
    };
  });

  return { contactsOf: (userId: string) => contactsOf(userId) };
}
