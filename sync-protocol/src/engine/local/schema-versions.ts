/** The database's schema versions (local-db.ts declares them), apart so the table list stays readable there. */
import type { Transaction } from 'dexie';
import { conversationMembers } from '../../conversation-id.ts';
import type { StoredConversation, StoredMessage } from './local-db.ts';
import { wordsOf } from './search-words.ts';
import { unackedOf } from './unacked-index.ts';

type SchemaVersion = { version: number; stores: Record<string, string>; upgrade?: (tx: Transaction) => Promise<void> };

/**
 * Every shipped schema version, oldest first, each with the tables it changed. To change the
 * schema, append a version with the new `stores` and, where existing rows must change, an
 * `upgrade`; never edit a shipped version. LocalDb declares `DECLARED_VERSIONS`, derived from these.
 */
export const VERSIONS: SchemaVersion[] = [
  {
    version: 1,
    stores: {
      users: 'id',
      conversations: 'id, updatedAt',
      messages: 'key, id, [conversationId+seq], [conversationId+pendingAt], pendingAt, [recipientId+status]',
      outbox: 'clientId, localCreatedAt, conversationId, [conversationId+localCreatedAt]',
      meta: 'key',
    },
  },
  {
    // A new store: existing rows are untouched, so there is nothing to upgrade. The session's
    // new meta keys (refreshToken, tokenReceivedAt) are simply absent in a v1 database: such a
    // session keeps its token until the server refuses it, then signs out as before.
    version: 2,
    stores: { parked: '[owner+kind+key], owner' },
  },
  {
    // Groups. `[reader+status]` replaces `[recipientId+status]`: a group message's recipientId is the
    // group, so "incoming" is `reader`. Every row before v3 is a 1:1 message, where the recipient is
    // the reader (an outgoing row then names the peer, who never reads this database: harmless).
    // Conversation rows gain type, title, members and writable; outbox entries without `op` are messages.
    version: 3,
    stores: { messages: 'key, id, [conversationId+seq], [conversationId+pendingAt], pendingAt, [reader+status]' },
    upgrade: async (tx) => {
      await tx.table('messages').toCollection().modify((m: StoredMessage) => {
        m.reader = m.recipientId;
      });
      await tx.table('conversations').toCollection().modify((c: StoredConversation) => {
        c.type = conversationMembers(c.id) ? 'direct' : 'group';
        c.title = '';
        c.members = [];
        c.writable = true;
      });
    },
  },
  {
    // Message actions queue in the outbox, found per target row by `targetKey` (sparse: message and
    // group-change entries have none). No row changes: a v3 outbox holds no actions.
    version: 4,
    stores: { outbox: 'clientId, localCreatedAt, conversationId, [conversationId+localCreatedAt], targetKey' },
  },
  {
    // Attachments: new stores only (a v4 database holds no message with files).
    version: 5,
    stores: { files: 'clientId, owner, messageKey, attachmentId', media: 'key, usedAt', mediaBytes: 'key' },
  },
  {
    // Offline search: every row's body words in a multiEntry index (local/derived-fields.ts keeps
    // them on every later write); existing rows get theirs here.
    version: 6,
    stores: { messages: 'key, id, [conversationId+seq], [conversationId+pendingAt], pendingAt, [reader+status], *words' },
    upgrade: async (tx) => {
      await tx.table('messages').toCollection().modify((m: StoredMessage) => {
        m.words = wordsOf(m);
      });
    },
  },
  // Drafts kept across reloads (issue #19): a new store, nothing to rewrite.
  { version: 7, stores: { drafts: '[owner+conversationId], owner' } },
  {
    // Opening a chat marks its unread rows read. Through [reader+status] that read every unread row of
    // every chat and kept one (20,000 rows after a long catch-up, on each open); the conversation as the
    // index's last part finds one chat's alone, and its [reader, 'sent'] prefix still lists the delivery
    // receipts owed. Same number of index entries per row; IndexedDB builds the new index from the rows.
    version: 8,
    stores: { messages: 'key, id, [conversationId+seq], [conversationId+pendingAt], pendingAt, [reader+status+conversationId], *words' },
  },
  {
    // The unacked rows in one multiEntry index, `*unacked`, instead of the sparse `pendingAt` and
    // `[conversationId+pendingAt]` (local/unacked-index.ts says why): the same entries, none for an
    // acked row. Every row gets its keys here; later writes keep them (local/derived-fields.ts).
    version: 9,
    stores: { messages: 'key, id, [conversationId+seq], [reader+status+conversationId], *words, *unacked' },
    upgrade: async (tx) => {
      await tx.table('messages').toCollection().modify((m: StoredMessage) => {
        m.unacked = unackedOf(m);
      });
    },
  },
  // The search words of server copies in records (local/page-words.ts: one per sync or history page,
  // live ones gathered in a small newest one), found by word and read newest first: a new store;
  // existing rows keep their own `*words` entries (a row without `heldWords` is indexed).
  { version: 10, stores: { wordPages: '++id, *words, newest' } },
  // Message blocks (local/message-blocks.ts): a page's messages of one chat in one record. A new store;
  // nothing moves at upgrade: existing rows stay rows, only pages stored from now on make blocks.
  { version: 11, stores: { messageBlocks: '[conversationId+firstSeq], [conversationId+lastSeq], *keys, *ids, *unread' } },
];

/**
 * What LocalDb declares: each version with an upgrade, and the latest, with the whole schema at
 * that version (every table's latest spec up to it). Dexie (≥ 3) needs no other: it upgrades from
 * the schema it finds installed, whatever version that was, and runs the upgrades above it in
 * order. Constructing a LocalDb that declared all nine took 2–10 ms of main thread in Node, with
 * these three 0.6–2 ms (issue #20); schema-versions.test.ts opens a database of every shipped
 * version and checks it ends with the schema of a new one.
 */
export const DECLARED_VERSIONS: readonly SchemaVersion[] = (() => {
  const whole: Record<string, string> = {};
  const declared: SchemaVersion[] = [];
  VERSIONS.forEach((v, i) => {
    Object.assign(whole, v.stores);
    if (v.upgrade || i === VERSIONS.length - 1) declared.push({ ...v, stores: { ...whole } });
  });
  return declared;
})();
