import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterAll, describe, expect, it } from 'vitest';
import { directConversationId } from '../../conversation-id.ts';
import { applyServerCopies } from '../down/store-server-changes.ts';
import { commitSend } from '../up/outbox.ts';
import { LocalDb, META } from './local-db.ts';
import { createQueries } from './queries.ts';

describe('queries.messages', () => {
  const db = new LocalDb('queries-test', { indexedDB: new IDBFactory(), IDBKeyRange });
  afterAll(() => db.close());

  // Found by the chaos harness (#13, seed 1 at 200 ops): a device's chat showed a pending message,
  // lost it for one live-query result, then showed it acked. The list reads the acked rows, then
  // the unacked ones; an ack committed between the two reads moved the row from the second index
  // to the first one behind the reader's back. Both reads now share one read transaction.
  it('lists a message that is acked while the list is being read (one consistent read)', async () => {
    await db.setMeta(META.userId, 'ua');
    const queries = createQueries(db);
    const conversationId = directConversationId('ua', 'ub');
    for (let seq = 1; seq <= 20; seq++) {
      const sent = await commitSend(db, 'ua', 'ub', `message ${seq}`);
      // The read starts first; the ack's write transaction is queued right behind it.
      const reading = queries.messages(conversationId, 100);
      const acking = applyServerCopies(
        db,
        [{ id: `m${seq}`, clientId: sent.clientId, conversationId, senderId: 'ua', recipientId: 'ub', body: sent.body, seq, createdAt: new Date().toISOString(), status: 'sent' }],
        'ua',
      );
      const [list] = await Promise.all([reading, acking]);
      expect(list.map((m) => m.key)).toContain(sent.key);
      expect(list).toHaveLength(seq);
    }
  });
});
