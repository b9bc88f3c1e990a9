import { describe, expect, it } from 'vitest';
import { storedMessage } from '../../store.ts';
import { HOUR, type ActionFixture } from './action-fixture.ts';
import type { AttachmentFixture } from './attachment-fixture.ts';
import type { ContractFixture } from './fixture.ts';
import type { GroupFixture } from './group-fixture.ts';

/**
 * What happens to attachment records after the upload: a delete for everyone marks them deleted
 * in its commit, and the sweep (attachmentsToSweep / removeAttachments) finds and removes the
 * deleted ones and orphans (never sent, older than a cutoff) without racing a send.
 */
export function describeAttachmentLifecycleContract(fx: ContractFixture, g: GroupFixture, a$: ActionFixture, f: AttachmentFixture): void {
  const { user, req } = fx;
  const { created, withFiles, sendOne, holderOf, expectInvalid, fromNow } = f;
  const ids = (records: readonly { id: string }[]) => records.map((r) => r.id);

  describe('attachments: delete for everyone', () => {
    it('empties the message’s attachments and sets each record’s deletedAt in the same commit', async () => {
      const [a, b] = [await user(), await user()];
      const [x, y] = [await created(a), await created(a)];
      const m = storedMessage(await sendOne(withFiles(req(a, b, 'oops'), [x.id, y.id])));
      const at = a$.after(m, 5000);
      const deleted = await a$.ok(a, m, { kind: 'delete' }, { at });
      expect(deleted.message).toMatchObject({ body: '', attachments: [], deletedAt: at });
      expect(await fx.store.getMessage(m.id)).toEqual(deleted.message);
      expect((await fx.store.changesSince(b.id, 0, 10)).messages.at(-1)).toEqual(deleted.message);
      for (const r of [x, y]) expect(await fx.store.getAttachment(r.id)).toEqual({ ...r, holder: holderOf(m), deletedAt: at });
      // A deleted attachment cannot be sent again.
      expectInvalid(await sendOne(withFiles(req(a, b, 'again'), [x.id])));
    });

    it('a refused delete (not the sender) and other actions leave the records alone', async () => {
      const [a, b] = [await user(), await user()];
      const x = await created(a);
      const m = storedMessage(await sendOne(withFiles(req(a, b, 'keep'), [x.id])));
      a$.expectRefused(await a$.act(b, m, { kind: 'delete' }), 'FORBIDDEN');
      await a$.ok(b, m, { kind: 'react', emoji: '👍' });
      await a$.ok(b, m, { kind: 'hide' });
      const edited = await a$.ok(a, m, { kind: 'edit', body: 'kept, with a caption' });
      expect(edited.message.attachments).toEqual(m.attachments);
      expect(await fx.store.getAttachment(x.id)).toEqual({ ...x, holder: holderOf(m) });
    });

    it('in a group, with other actions in the same batch', async () => {
      const [a, b] = [await user(), await user()];
      const { id } = await g.group(a, [b]);
      const x = await created(b);
      const m = storedMessage(await sendOne(withFiles(g.greq(b, id, 'group photo'), [x.id])));
      const at = a$.after(m, 1000);
      const outcomes = await fx.store.applyActions([a$.areq(a, m, { kind: 'react', emoji: '🎉' }), a$.areq(b, m, { kind: 'delete' }, { at })]);
      expect(outcomes.map((o) => o.refused)).toEqual([undefined, undefined]);
      expect((await fx.store.getAttachment(x.id))!.deletedAt).toBe(at);
    });
  });

  describe('attachments: the sweep', () => {
    it('lists the deleted ones and the orphans created before the cutoff, oldest first, up to the limit', async () => {
      const [a, b] = [await user(), await user()];
      const oldOrphan = await created(a, { createdAt: fromNow(-3 * HOUR) });
      const olderOrphan = await created(a, { createdAt: fromNow(-4 * HOUR) });
      await created(a, { createdAt: fromNow(0) }); // a recent orphan: still being sent, maybe
      const oldSent = await created(a, { createdAt: fromNow(-5 * HOUR) });
      await sendOne(withFiles(req(a, b, 'kept'), [oldSent.id]));
      const deletedRecord = await created(a, { createdAt: fromNow(-1000) });
      const m = storedMessage(await sendOne(withFiles(req(a, b, 'gone'), [deletedRecord.id])));
      await a$.ok(a, m, { kind: 'delete' });

      const cutoff = fromNow(-2 * HOUR);
      const due = await fx.store.attachmentsToSweep(cutoff, 100);
      expect(ids(due)).toEqual([olderOrphan.id, oldOrphan.id, deletedRecord.id]);
      expect(due[2]!.deletedAt).not.toBeNull();
      expect(ids(await fx.store.attachmentsToSweep(cutoff, 2))).toEqual([olderOrphan.id, oldOrphan.id]);
      expect(await fx.store.attachmentsToSweep(fromNow(-10 * HOUR), 100)).toEqual([await fx.store.getAttachment(deletedRecord.id)]);
    });

    it('removeAttachments removes only records still due, and returns their ids', async () => {
      const [a, b] = [await user(), await user()];
      const orphan = await created(a, { createdAt: fromNow(-3 * HOUR) });
      const takenSince = await created(a, { createdAt: fromNow(-3 * HOUR) });
      const recent = await created(a);
      const cutoff = fromNow(-2 * HOUR);
      expect(ids(await fx.store.attachmentsToSweep(cutoff, 100))).toEqual(expect.arrayContaining([orphan.id, takenSince.id]));

      // A send takes one of the listed orphans before the sweep removes them.
      const m = storedMessage(await sendOne(withFiles(req(a, b, 'just in time'), [takenSince.id])));
      const removed = await fx.store.removeAttachments([orphan.id, takenSince.id, recent.id, 'no-such-attachment'], cutoff);
      expect(removed).toEqual([orphan.id]);
      expect(await fx.store.getAttachment(orphan.id)).toBeNull();
      expect(await fx.store.findAttachment(a.id, orphan.clientId)).toBeNull();
      expect(await fx.store.getAttachment(takenSince.id)).toEqual({ ...takenSince, holder: holderOf(m) });
      expect(await fx.store.getAttachment(recent.id)).toEqual(recent);
      expect(await fx.store.removeAttachments([orphan.id], cutoff)).toEqual([]);
      expect(await fx.store.getMessage(m.id)).toEqual(m);
    });

    it('removes deleted records whatever their age; the message stays a tombstone', async () => {
      const [a, b] = [await user(), await user()];
      const x = await created(a);
      const m = storedMessage(await sendOne(withFiles(req(a, b, 'bye'), [x.id])));
      const deleted = await a$.ok(a, m, { kind: 'delete' });
      const cutoff = fromNow(-24 * HOUR);
      expect(ids(await fx.store.attachmentsToSweep(cutoff, 10))).toEqual([x.id]);
      expect(await fx.store.removeAttachments([x.id], cutoff)).toEqual([x.id]);
      expect(await fx.store.getAttachment(x.id)).toBeNull();
      expect(await fx.store.attachmentsToSweep(cutoff, 10)).toEqual([]);
      expect(await fx.store.getMessage(m.id)).toEqual(deleted.message);
    });

    it('a removed orphan’s clientId may be uploaded again (a new record)', async () => {
      const a = await user();
      const orphan = await created(a, { clientId: 'reuse-after-sweep', createdAt: fromNow(-3 * HOUR) });
      expect(await fx.store.removeAttachments([orphan.id], fromNow(-HOUR))).toEqual([orphan.id]);
      const again = await created(a, { clientId: 'reuse-after-sweep' });
      expect(again.id).not.toBe(orphan.id);
    });
  });

  describe.runIf(fx.canReopen)('attachments: persistence', () => {
    it('records, holders and the messages’ attachments survive a reopen', async () => {
      const [a, b] = [await user(), await user()];
      const [x, y] = [await created(a), await created(a)];
      const m = storedMessage(await sendOne(withFiles(req(a, b, 'persist'), [x.id])));
      const before = [await fx.store.getAttachment(x.id), await fx.store.getAttachment(y.id)];
      await fx.reopen();
      expect([await fx.store.getAttachment(x.id), await fx.store.getAttachment(y.id)]).toEqual(before);
      expect(await fx.store.getMessage(m.id)).toEqual(m);
      expect((await fx.store.createAttachment({ ...y, id: 'another-id' })).created).toBe(false);
    });
  });
}
