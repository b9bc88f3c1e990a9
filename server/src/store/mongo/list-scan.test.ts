import { expect, it } from 'vitest';
import type { CommandStartedEvent } from 'mongodb';
import { storedMessage, type ContactsRecord, type GroupChange, type UserRecord } from '../store.ts';
import { contactsOf } from './contacts.ts';
import { createContext } from './context.ts';
import { listConversations } from './reads.ts';
import { POINTER_STRIDE } from './send-batch.ts';
import { describeMongo, freshDbName, newUser, openMongo, req } from './testing/mongo-test-db.ts';

const sortedContacts = (r: ContactsRecord) => ({
  peerIds: [...r.peerIds].sort(),
  groups: r.groups.map((g) => ({ id: g.id, memberIds: [...g.memberIds].sort() })).sort((a, b) => (a.id < b.id ? -1 : 1)),
});

describeMongo('MongoStore conversation list and contacts: both query plans', () => {
  // The contract suites run on one server only (FerretDB here), so both plans are compared here.
  it('the FerretDB plan (a few scans) answers what the MongoDB plan (seeks per conversation and group) answers', async () => {
    const store = await openMongo(freshDbName(), { clientOptions: { monitorCommands: true } });
    await store.searchBackfill; // its background finds are not the counted ones (backfill.ts)
    try {
      const [a, b, c, d, e] = await Promise.all([newUser(store), newUser(store), newUser(store), newUser(store), newUser(store)]);
      let n = 0;
      const at = () => new Date(Date.UTC(2027, 0, 1, 0, 0, ++n)).toISOString();
      const send = async (from: UserRecord, to: UserRecord, body: string) => storedMessage((await store.sendMessages([req(from, to, body)]))[0]!);
      const gsend = async (from: UserRecord, groupId: string, body: string) =>
        storedMessage((await store.sendMessages([{ ...req(from, from, body), recipientId: groupId, conversationId: groupId }]))[0]!);
      const change = (actor: UserRecord, conversationId: string, c: GroupChange) =>
        store.changeGroup({ conversationId, actorId: actor.id, clientId: `ch-${++n}`, at: at(), ...c });

      // 1:1: one past a pointer's stride (the pointer is written), one short, one read, one delivered.
      await store.sendMessages(Array.from({ length: POINTER_STRIDE + 3 }, (_, i) => req(a, b, `ab${i}`)));
      const ba = await send(b, a, 'ba');
      await send(c, a, 'ca1');
      const ca2 = await send(c, a, 'ca2');
      await store.markRead(a.id, ca2.conversationId, 1, at());
      await store.markDelivered(a.id, [ba.id], at());
      await send(d, e, 'de');

      // Groups: a current one with reads and deliveries, one a left and was added back to, one a was removed from.
      const g1 = (await store.createGroup({ creatorId: a.id, clientId: 'g1', title: 'one', memberIds: [b.id, c.id], at: at() })).group.id;
      await gsend(b, g1, 'g1 b');
      const g1c = await gsend(c, g1, 'g1 c');
      await gsend(a, g1, 'g1 a');
      await store.markRead(b.id, g1, g1c.seq, at());
      await store.markDelivered(c.id, [g1c.id], at());
      await change(a, g1, { kind: 'rename', title: 'one renamed' });
      const g2 = (await store.createGroup({ creatorId: d.id, clientId: 'g2', title: 'two', memberIds: [a.id, e.id], at: at() })).group.id;
      await gsend(e, g2, 'g2 e');
      await change(a, g2, { kind: 'remove', userId: a.id });
      await gsend(e, g2, 'g2 while a is away');
      await change(d, g2, { kind: 'add', userIds: [a.id] });
      await gsend(d, g2, 'g2 after');
      const g3 = (await store.createGroup({ creatorId: e.id, clientId: 'g3', title: 'three', memberIds: [a.id, b.id], at: at() })).group.id;
      await gsend(b, g3, 'g3 b');
      await change(e, g3, { kind: 'remove', userId: a.id });
      await gsend(e, g3, 'g3 after a');
      await change(e, g3, { kind: 'rename', title: 'three renamed' });

      const mongodb = createContext(store.db, 'mongodb', 'none', 'before-insert', {});
      const ferretdb = createContext(store.db, 'ferretdb', 'none', 'on-conflict', {});
      const messageReads: string[] = [];
      store.client.on('commandStarted', (ev: CommandStartedEvent) => {
        if (ev.command[ev.commandName] === 'messages') messageReads.push(ev.commandName);
      });
      for (const u of [a, b, c, d, e]) {
        const expected = await listConversations(mongodb, u.id);
        messageReads.length = 0;
        expect(await listConversations(ferretdb, u.id), u.username).toEqual(expected);
        // The user's periods, then everything else: two reads of the messages, whatever the number of
        // conversations (no action exists here, so the entries are not read: entry-truth.ts).
        expect(messageReads, u.username).toEqual(['find', 'find']);

        const contacts = sortedContacts(await contactsOf(mongodb, u.id));
        messageReads.length = 0;
        expect(sortedContacts(await contactsOf(ferretdb, u.id)), u.username).toEqual(contacts);
        expect(messageReads.length, u.username).toBeLessThanOrEqual(2);
        // What the list says of them.
        expect(contacts.peerIds).toEqual(expected.flatMap((x) => (x.peerId ? [x.peerId] : [])).sort());
        expect(contacts.groups.map((g) => g.id)).toEqual(expected.filter((x) => x.members.some((m) => m.userId === u.id)).map((x) => x.id).sort());
      }
      // The entries themselves (a sample): a's list is what the scenario made.
      const list = await listConversations(ferretdb, a.id);
      expect(list.map((x) => [x.title ?? x.peerId, x.unreadCount, x.lastMessage?.body])).toEqual(
        expect.arrayContaining([
          ['three renamed', 1, ''], // up to a's removal
          ['two', 1, 'g2 after'],
          ['one renamed', 2, expect.anything()],
          [c.id, 1, 'ca2'],
          [b.id, 1, 'ba'],
        ]),
      );
    } finally {
      await store.close();
    }
  });
});
