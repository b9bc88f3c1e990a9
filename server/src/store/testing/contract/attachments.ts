import { directConversationId } from '@pigeon/sync-protocol';
import { describe, expect, it } from 'vitest';
import { storedMessage } from '../../store.ts';
import type { AttachmentFixture } from './attachment-fixture.ts';
import type { ContractFixture } from './fixture.ts';
import type { GroupFixture } from './group-fixture.ts';

/**
 * Attachment records (store/attachment-records.ts) and sends that carry them
 * (SendRequest.attachmentIds, checked in the commit): contract v2, "Attachments".
 */
export function describeAttachmentsContract(fx: ContractFixture, g: GroupFixture, f: AttachmentFixture): void {
  const { user, req, send } = fx;
  const { upload, created, withFiles, sendOne, publicOf, holderOf, expectInvalid } = f;

  describe('attachments: records', () => {
    it('createAttachment stores a record (no holder, not deleted), found by id and by (uploader, clientId)', async () => {
      const a = await user();
      const input = upload(a);
      const { attachment, created: isNew } = await fx.store.createAttachment(input);
      expect(isNew).toBe(true);
      expect(attachment).toEqual({ ...input, holder: null, deletedAt: null });
      expect(await fx.store.getAttachment(input.id)).toEqual(attachment);
      expect(await fx.store.findAttachment(a.id, input.clientId)).toEqual(attachment);
    });

    it('optional fields (width, height, preview) may be absent and stay absent', async () => {
      const a = await user();
      const input = upload(a, { name: 'notes.pdf', mime: 'application/pdf', width: undefined, height: undefined, preview: undefined });
      delete input.width;
      delete input.height;
      delete input.preview;
      const { attachment } = await fx.store.createAttachment(input);
      expect(attachment).toEqual({ ...input, holder: null, deletedAt: null });
      const read = await fx.store.getAttachment(input.id);
      expect(read).toEqual(attachment);
      expect(Object.keys(read!).sort()).toEqual(Object.keys({ ...input, holder: null, deletedAt: null }).sort());
    });

    it('is idempotent by (uploader, clientId): again → the first record, created false, the second id unknown', async () => {
      const a = await user();
      const first = await created(a, { clientId: 'same-upload-1' });
      const retry = upload(a, { clientId: 'same-upload-1', name: 'other.png' });
      const again = await fx.store.createAttachment(retry);
      expect(again).toEqual({ attachment: first, created: false });
      expect(await fx.store.getAttachment(retry.id)).toBeNull();
      // Another uploader's same clientId is another upload.
      const b = await user();
      const theirs = await fx.store.createAttachment(upload(b, { clientId: 'same-upload-1' }));
      expect(theirs.created).toBe(true);
      expect(theirs.attachment.id).not.toBe(first.id);
    });

    it('concurrent creates of one (uploader, clientId) make one record', async () => {
      const a = await user();
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => fx.store.createAttachment(upload(a, { clientId: 'racing-upload' }))));
      expect(outcomes.filter((o) => o.created)).toHaveLength(1);
      expect(new Set(outcomes.map((o) => o.attachment.id)).size).toBe(1);
    });

    it('unknown ids and clientIds are null', async () => {
      const a = await user();
      await created(a, { clientId: 'known' });
      expect(await fx.store.getAttachment('no-such-attachment')).toBeNull();
      expect(await fx.store.findAttachment(a.id, 'unknown')).toBeNull();
      expect(await fx.store.findAttachment('no-such-user', 'known')).toBeNull();
    });
  });

  describe('attachments: sends', () => {
    it('a send carries its attachments in order (caption may be empty), and each record is held by it', async () => {
      const [a, b] = [await user(), await user()];
      const [x, y] = [await created(a), await created(a, { name: 'report.pdf', mime: 'application/pdf' })];
      const outcome = await sendOne(withFiles(req(a, b, ''), [y.id, x.id]));
      expect(outcome.created).toBe(true);
      const m = storedMessage(outcome);
      expect(m).toMatchObject({ body: '', seq: 1, attachments: [publicOf(y), publicOf(x)], version: 0 });
      for (const r of [x, y]) expect(await fx.store.getAttachment(r.id)).toEqual({ ...r, holder: holderOf(m) });
    });

    it('the message carries them on every read path', async () => {
      const [a, b] = [await user(), await user()];
      const x = await created(a);
      const m = storedMessage(await sendOne(withFiles(req(a, b, 'look'), [x.id])));
      expect(m.attachments).toEqual([publicOf(x)]);
      expect(await fx.store.getHistory(m.conversationId, null, 10)).toEqual([m]);
      expect((await fx.store.changesSince(a.id, 0, 10)).messages).toEqual([m]);
      expect((await fx.store.changesSince(b.id, 0, 10)).messages).toEqual([m]);
      expect(await fx.store.getMessage(m.id)).toEqual(m);
      expect((await fx.store.listConversations(b.id))[0]!.lastMessage).toEqual(m);
      // A repeated send (same clientId) is the stored message, not a refusal for "already carried".
      expect(await sendOne(withFiles(req(a, b, 'look', m.clientId), [x.id]))).toEqual({ message: m, created: false });
    });

    it('VALIDATION, nothing stored, no seq used: another user’s upload, an unknown id, one carried by another message', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const mine = await created(a);
      const cs = await created(c);
      const carried = await created(a);
      const first = storedMessage(await sendOne(withFiles(req(a, b, 'first'), [carried.id])));
      for (const ids of [[cs.id], ['no-such-attachment'], [carried.id], [mine.id, cs.id], [mine.id, 'no-such-attachment']]) {
        expectInvalid(await sendOne(withFiles(req(a, b, 'x'), ids)));
      }
      // Nothing half-way: the good one of a refused send is still free.
      expect(await fx.store.getAttachment(mine.id)).toEqual(mine);
      expect(await fx.store.getAttachment(cs.id)).toEqual(cs);
      expect(await fx.store.getAttachment(carried.id)).toEqual({ ...carried, holder: holderOf(first) });
      const next = storedMessage(await sendOne(withFiles(req(a, b, 'second'), [mine.id])));
      expect(next.seq).toBe(2);
      expect((await fx.wholeHistory(first.conversationId)).map((m) => m.body)).toEqual(['first', 'second']);
    });

    it('a refused first message to someone leaves no conversation behind; the rejection does not tell whose the id is', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const theirs = await created(b);
      const forged = await sendOne(withFiles(req(c, a, 'forged'), [theirs.id]));
      const unknown = await sendOne(withFiles(req(c, a, 'forged'), ['no-such-attachment']));
      expectInvalid(forged);
      expectInvalid(unknown);
      expect(forged.refused!.message).toBe(unknown.refused!.message.replace('no-such-attachment', theirs.id));
      expect(await fx.store.listConversations(c.id)).toEqual([]);
      expect(await fx.store.listConversations(a.id)).toEqual([]);
      expect(await fx.store.getHistory(directConversationId(a.id, c.id), null, 10)).toEqual([]);
    });

    it('in one batch: a refused send leaves the others stored; two sends of one attachment → the first wins', async () => {
      const [a, b] = [await user(), await user()];
      const [x, y] = [await created(a), await created(a)];
      const outcomes = await fx.store.sendMessages([
        withFiles(req(a, b, 'takes x'), [x.id]),
        withFiles(req(a, b, 'x again'), [x.id]),
        withFiles(req(a, b, 'bad'), ['no-such-attachment']),
        req(b, a, 'plain'),
        withFiles(req(a, b, 'takes y'), [y.id]),
      ]);
      expect(storedMessage(outcomes[0]!)).toMatchObject({ seq: 1, attachments: [publicOf(x)] });
      expectInvalid(outcomes[1]);
      expectInvalid(outcomes[2]);
      expect(storedMessage(outcomes[3]!).seq).toBe(2);
      expect(storedMessage(outcomes[4]!)).toMatchObject({ seq: 3, attachments: [publicOf(y)] });
      expect((await fx.store.getAttachment(x.id))!.holder).toEqual(holderOf(storedMessage(outcomes[0]!)));
    });

    it('duplicates of one send in a batch resolve to one message', async () => {
      const [a, b] = [await user(), await user()];
      const x = await created(a);
      const r = withFiles(req(a, b, 'twice', 'dup-with-file'), [x.id]);
      const outcomes = await fx.store.sendMessages([r, r, req(a, b, 'after')]);
      expect(outcomes.map((o) => o.created)).toEqual([true, false, true]);
      expect(storedMessage(outcomes[1]!)).toEqual(storedMessage(outcomes[0]!));
      expect(storedMessage(outcomes[2]!).seq).toBe(2);
      expect(storedMessage(outcomes[0]!).attachments).toEqual([publicOf(x)]);
    });

    it('concurrent sends of one attachment: exactly one carries it', async () => {
      const [a, b] = [await user(), await user()];
      const x = await created(a);
      const outcomes = (await Promise.all(Array.from({ length: 8 }, (_, i) => fx.store.sendMessages([withFiles(req(a, b, `race ${i}`), [x.id])])))).flat();
      const stored = outcomes.filter((o) => !o.refused);
      expect(stored).toHaveLength(1);
      for (const o of outcomes.filter((o) => o.refused)) expectInvalid(o);
      expect((await fx.store.getAttachment(x.id))!.holder).toEqual(holderOf(stored[0]!.message!));
      expect(await fx.wholeHistory(directConversationId(a.id, b.id))).toEqual([stored[0]!.message]);
    });

    it('a group send carries attachments; a non-member’s is refused and holds nothing', async () => {
      const [a, b, c] = [await user(), await user(), await user()];
      const { id } = await g.group(a, [b]);
      const x = await created(b);
      const m = storedMessage(await sendOne(withFiles(g.greq(b, id, ''), [x.id])));
      expect(m).toMatchObject({ conversationId: id, seq: 2, attachments: [publicOf(x)] });
      expect(await fx.store.getAttachment(x.id)).toEqual({ ...x, holder: holderOf(m) });
      expect((await g.historyOf(id, a)).at(-1)).toEqual(m);
      expect((await fx.store.listConversations(a.id)).find((conv) => conv.id === id)!.lastMessage).toEqual(m);

      const cs = await created(c);
      expect((await sendOne(withFiles(g.greq(c, id, 'let me in'), [cs.id]))).refused?.code).toBe('FORBIDDEN');
      expect(await fx.store.getAttachment(cs.id)).toEqual(cs);
      // A member cannot send another member's upload.
      const bs = await created(b);
      expectInvalid(await sendOne(withFiles(g.greq(a, id, 'not mine'), [bs.id])));
      expect(await fx.store.getAttachment(bs.id)).toEqual(bs);
    });
  });
}
