import { describe, expect, it } from 'vitest';
import type { AttachmentFixture } from './attachment-fixture.ts';
import type { ContractFixture } from './fixture.ts';

const HOUR = 3_600_000;

/**
 * Profiles (#19 item 12; Store.updateProfile): the fields present change, the display name's
 * search words follow it, the photo is the user's own unsent upload, kept by the sweep while in
 * use, an orphan again once replaced, and never carried by a message.
 */
export function describeProfilesContract(fx: ContractFixture, f: AttachmentFixture): void {
  const { user } = fx;
  const rejection = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e);

  describe('profiles', () => {
    it('a new user has an empty about line and no photo', async () => {
      const u = await user('prof-new');
      expect(u).toMatchObject({ about: '', avatar: null });
      expect((await fx.store.getUsers([u.id]))[0]).toMatchObject({ about: '', avatar: null });
    });

    it('changes only the fields present, and every read returns them', async () => {
      const u = await user('prof-fields');
      const named = await fx.store.updateProfile(u.id, { displayName: 'Ada Lovelace' });
      expect(named).toMatchObject({ id: u.id, username: 'prof-fields', displayName: 'Ada Lovelace', about: '', avatar: null });
      const about = await fx.store.updateProfile(u.id, { about: 'Counting engines' });
      expect(about).toMatchObject({ displayName: 'Ada Lovelace', about: 'Counting engines' });
      expect((await fx.store.getUsers([u.id]))[0]).toEqual(about);
      expect(await fx.store.findUserByUsername('prof-fields')).toEqual(about);
      // Idempotent: the same change again is the same user.
      expect(await fx.store.updateProfile(u.id, { about: 'Counting engines' })).toEqual(about);
      expect(await fx.store.updateProfile(u.id, { about: '' })).toMatchObject({ displayName: 'Ada Lovelace', about: '' });
    });

    // Copies of a user reach devices out of order (an event after a later answer, a list fetched
    // before a change): devices keep the copy with the higher version (local/user-copies.ts).
    it('the version starts at 0 and rises by one with each change that changes something', async () => {
      const u = await user('prof-version');
      expect(u.profileVersion).toBe(0);
      expect(await fx.store.updateProfile(u.id, { displayName: 'Vera' })).toMatchObject({ profileVersion: 1 });
      expect(await fx.store.updateProfile(u.id, { displayName: 'Vera' })).toMatchObject({ profileVersion: 1 });
      expect(await fx.store.updateProfile(u.id, { about: 'hi', displayName: 'Vera' })).toMatchObject({ profileVersion: 2 });
      expect((await fx.store.getUsers([u.id]))[0]).toMatchObject({ displayName: 'Vera', about: 'hi', profileVersion: 2 });
    });

    it('changes made at once each get their own version, and the record is the highest one\'s', async () => {
      const u = await user('prof-race');
      const answers = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => fx.store.updateProfile(u.id, { displayName: `Name ${i}` })));
      expect(answers.map((a) => a?.profileVersion).sort()).toEqual([1, 2, 3, 4, 5, 6]);
      const last = answers.find((a) => a?.profileVersion === 6);
      expect((await fx.store.getUsers([u.id]))[0]).toEqual(last);
    });

    it('an unknown user: null', async () => {
      expect(await fx.store.updateProfile('00000000-0000-4000-8000-00000000dead', { about: 'x' })).toBeNull();
    });

    it('people search follows the new display name', async () => {
      const u = await user('prof-search');
      await fx.store.updateProfile(u.id, { displayName: 'Grace Hopperwick' });
      expect((await fx.store.searchUsers('hopperwick', 10)).map((r) => r.id)).toEqual([u.id]);
      await fx.store.updateProfile(u.id, { displayName: 'Someone Else' });
      expect(await fx.store.searchUsers('hopperwick', 10)).toEqual([]);
      expect((await fx.store.searchUsers('someone', 10)).map((r) => r.id)).toContain(u.id);
    });

    it('a photo is the user\'s own upload, with its preview; null removes it', async () => {
      const u = await user('prof-photo');
      const photo = await f.created(u, { preview: 'YJqGPQw7sFlslqhFafSE' });
      const set = await fx.store.updateProfile(u.id, { avatarId: photo.id });
      expect(set?.avatar).toEqual({ id: photo.id, preview: 'YJqGPQw7sFlslqhFafSE' });
      expect((await fx.store.getUsers([u.id]))[0]?.avatar).toEqual({ id: photo.id, preview: 'YJqGPQw7sFlslqhFafSE' });
      // The same PATCH again (a lost answer, the outbox sends it once more): same result.
      expect((await fx.store.updateProfile(u.id, { avatarId: photo.id }))?.avatar?.id).toBe(photo.id);
      expect((await fx.store.updateProfile(u.id, { avatarId: null }))?.avatar).toBeNull();
    });

    it('refuses someone else\'s upload and an unknown id with NOT_FOUND, a sent one with VALIDATION; nothing changes', async () => {
      const [u, other] = await Promise.all([user('prof-thief'), user('prof-owner')]);
      const theirs = await f.created(other);
      expect(await rejection(fx.store.updateProfile(u.id, { avatarId: theirs.id, about: 'x' }))).toMatchObject({ code: 'NOT_FOUND' });
      expect(await rejection(fx.store.updateProfile(u.id, { avatarId: 'att-nope' }))).toMatchObject({ code: 'NOT_FOUND' });
      const sent = await f.created(u);
      expect((await f.sendOne(f.withFiles(fx.req(u, other), [sent.id]))).message).toBeDefined();
      expect(await rejection(fx.store.updateProfile(u.id, { avatarId: sent.id }))).toMatchObject({ code: 'VALIDATION' });
      expect((await fx.store.getUsers([u.id]))[0]).toMatchObject({ about: '', avatar: null });
    });

    it('a photo in use cannot be sent in a message', async () => {
      const [u, other] = await Promise.all([user('prof-nosend'), user('prof-nosend-to')]);
      const photo = await f.created(u);
      await fx.store.updateProfile(u.id, { avatarId: photo.id });
      f.expectInvalid(await f.sendOne(f.withFiles(fx.req(u, other), [photo.id])));
    });

    it('the sweep keeps a photo in use and reclaims the one it replaced', async () => {
      const u = await user('prof-sweep');
      const old = await f.created(u, { createdAt: f.fromNow(-3 * HOUR) });
      const current = await f.created(u, { createdAt: f.fromNow(-3 * HOUR) });
      await fx.store.updateProfile(u.id, { avatarId: old.id });
      const cutoff = f.fromNow(-HOUR);
      const listed = async () => (await fx.store.attachmentsToSweep(cutoff, 1000)).map((r) => r.id);
      expect(await listed()).not.toContain(old.id);
      expect(await fx.store.removeAttachments([old.id], cutoff)).toEqual([]);
      expect(await fx.store.getAttachment(old.id)).not.toBeNull();

      await fx.store.updateProfile(u.id, { avatarId: current.id });
      expect(await listed()).toContain(old.id);
      expect(await listed()).not.toContain(current.id);
      expect(await fx.store.removeAttachments([old.id, current.id], cutoff)).toEqual([old.id]);
      expect(await fx.store.getAttachment(old.id)).toBeNull();
      expect(await fx.store.getAttachment(current.id)).not.toBeNull();
      // The record as a send sees it: still not held, not deleted.
      expect(await fx.store.getAttachment(current.id)).toMatchObject({ holder: null, deletedAt: null });

      // Removed: the last photo is an orphan too.
      await fx.store.updateProfile(u.id, { avatarId: null });
      expect(await fx.store.removeAttachments([current.id], cutoff)).toEqual([current.id]);
    });
  });
}
