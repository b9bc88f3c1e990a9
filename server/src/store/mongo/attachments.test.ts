import { directConversationId } from '@pigeon/sync-protocol';
import type { CommandStartedEvent } from 'mongodb';
import { expect, it } from 'vitest';
import { storedMessage, type NewAttachment, type SendRequest, type Store, type UserRecord } from '../store.ts';
import type { AttachmentDoc, ClaimDoc } from './attachment-docs.ts';
import { messageIdFor } from './message-id.ts';
import type { MongoStore } from './mongo-store.ts';
import { describeMongo, freshDbName, newUser, openMongo, openRacingPair, req } from './testing/mongo-test-db.ts';

/**
 * What the store contract cannot stage: two nodes (two stores over one database) sending one
 * attachment at once, the claim deciding before the message exists, and a node that died between
 * the steps of a send (attachment-sends.ts).
 */
let n = 0;
const upload = (uploader: UserRecord, createdAt = new Date().toISOString()): NewAttachment => ({
  id: `att_${++n}_${Date.now().toString(36)}`,
  uploaderId: uploader.id,
  clientId: `up-${n}`,
  name: `f${n}.pdf`,
  mime: 'application/pdf',
  size: 100 + n,
  sha256: 'ab'.repeat(32),
  createdAt,
});
const withFiles = (r: SendRequest, ids: string[]): SendRequest => ({ ...r, attachmentIds: ids });
const created = async (store: Store, uploader: UserRecord, createdAt?: string) => (await store.createAttachment(upload(uploader, createdAt))).attachment;
const records = (s: MongoStore) => s.db.collection<AttachmentDoc>('attachments');

describeMongo('MongoStore attachments across nodes', () => {
  it('two nodes sending one attachment at once: exactly one message carries it', async () => {
    const name = freshDbName();
    const [a, b] = [await openMongo(name), await openMongo(name)];
    try {
      const [u, v] = [await newUser(a), await newUser(a)];
      for (let round = 0; round < 3; round++) {
        const x = await created(a, u);
        const sends = Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).sendMessages([withFiles(req(u, v, `r${round}.${i}`), [x.id])]));
        const outcomes = (await Promise.all(sends)).flat();
        const stored = outcomes.filter((o) => !o.refused);
        expect(stored).toHaveLength(1);
        for (const o of outcomes.filter((o) => o.refused)) expect(o.refused!.code).toBe('VALIDATION');
        const m = storedMessage(stored[0]!);
        expect((await b.getAttachment(x.id))!.holder).toEqual({ messageId: m.id, conversationId: m.conversationId, seq: m.seq });
      }
      const history = await a.getHistory(directConversationId(u.id, v.id), null, 100);
      expect(history.map((m) => m.seq)).toEqual([1, 2, 3]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('the claim decides before the message is inserted: a send on another node in between is refused', async () => {
    const { plain, racing, armRace } = await openRacingPair('beforeInsert');
    try {
      const [u, v] = [await newUser(plain), await newUser(plain)];
      const x = await created(plain, u);
      let theirs: Awaited<ReturnType<Store['sendMessages']>> = [];
      // `racing` has claimed x and numbered its message; `plain` sends x now, before that insert.
      armRace(async () => {
        theirs = await plain.sendMessages([withFiles(req(u, v, 'second'), [x.id])]);
      });
      const [mine] = await racing.sendMessages([withFiles(req(u, v, 'first'), [x.id])]);
      expect(theirs[0]!.refused?.code).toBe('VALIDATION');
      const m = storedMessage(mine!);
      expect(m.attachments!.map((att) => att.id)).toEqual([x.id]);
      expect((await plain.getAttachment(x.id))!.holder?.messageId).toBe(m.id);
      expect(await plain.getHistory(m.conversationId, null, 10)).toEqual([m]);
    } finally {
      await Promise.all([plain.close(), racing.close()]);
    }
  });

  it('a node that died after the insert, before the holder: the resend writes it, and the sweep keeps the record', async () => {
    const store = await openMongo(freshDbName());
    try {
      const [u, v] = [await newUser(store), await newUser(store)];
      const past = new Date(Date.now() - 3_600_000).toISOString();
      const [x, y] = [await created(store, u, past), await created(store, u, past)];
      const first = withFiles(req(u, v, 'x'), [x.id]);
      const m = storedMessage((await store.sendMessages([first]))[0]!);
      const second = storedMessage((await store.sendMessages([withFiles(req(u, v, 'y'), [y.id])]))[0]!);
      await records(store).updateMany({ _id: { $in: [x.id, y.id] } }, { $set: { holder: null } });

      expect(await store.sendMessages([first])).toEqual([{ message: m, created: false }]);
      expect((await store.getAttachment(x.id))!.holder?.messageId).toBe(m.id);
      // y looks orphaned to the listing, but its claim names a stored message: kept, holder written.
      expect((await store.attachmentsToSweep(new Date().toISOString(), 10)).map((r) => r.id)).toEqual([y.id]);
      expect(await store.removeAttachments([y.id], new Date().toISOString())).toEqual([]);
      expect((await store.getAttachment(y.id))!.holder?.messageId).toBe(second.id);
    } finally {
      await store.close();
    }
  });

  it('a node that died after claiming, before the insert: the resend carries it; another message cannot', async () => {
    const store = await openMongo(freshDbName());
    try {
      const [u, v] = [await newUser(store), await newUser(store)];
      const x = await created(store, u);
      const send = withFiles(req(u, v, 'resent', 'died-after-claim'), [x.id]);
      const claims = store.db.collection<ClaimDoc>('attachment_claims');
      await claims.insertOne({ _id: x.id, messageId: messageIdFor(u.id, send.clientId), at: new Date().toISOString() });

      expect((await store.sendMessages([withFiles(req(u, v, 'other'), [x.id])]))[0]!.refused?.code).toBe('VALIDATION');
      const m = storedMessage((await store.sendMessages([send]))[0]!);
      expect(m.attachments!.map((a) => a.id)).toEqual([x.id]);
      expect((await store.getAttachment(x.id))!.holder?.messageId).toBe(m.id);
      // The sweep removes an orphan whose claim's message was never stored, once past the cutoff.
      const y = await created(store, u, new Date(Date.now() - 7_200_000).toISOString());
      await claims.insertOne({ _id: y.id, messageId: messageIdFor(u.id, 'never-stored'), at: new Date(Date.now() - 7_200_000).toISOString() });
      expect(await store.removeAttachments([y.id], new Date(Date.now() - 3_600_000).toISOString())).toEqual([y.id]);
      expect(await store.findAttachment(u.id, y.clientId)).toBeNull();
    } finally {
      await store.close();
    }
  });

  it('round trips: none more for a send without attachments; a send with them reads, claims, inserts, holds', async () => {
    const commands: CommandStartedEvent[] = [];
    const store = await openMongo(freshDbName(), { sendLookup: 'on-conflict', clientOptions: { monitorCommands: true } });
    await store.searchBackfill; // its background finds are not the counted ones (backfill.ts)
    try {
      const [u, v] = [await newUser(store), await newUser(store)];
      const x = await created(store, u);
      await store.sendMessages([req(u, v, 'warm-up')]);
      const record = async (r: SendRequest) => {
        commands.length = 0;
        store.client.on('commandStarted', (e) => commands.push(e));
        await store.sendMessages([r]);
        store.client.removeAllListeners('commandStarted');
        return commands.filter((c) => c.command[c.commandName] !== 'locks').map((c) => `${c.commandName} ${String(c.command[c.commandName])}`);
      };
      expect(await record(req(u, v, 'plain'))).toEqual(['insert messages']);
      expect(await record(withFiles(req(u, v, 'with a file'), [x.id]))).toEqual([
        'find attachments',
        'insert attachment_claims',
        'insert messages',
        'update attachments',
      ]);
    } finally {
      await store.close();
    }
  });
});
