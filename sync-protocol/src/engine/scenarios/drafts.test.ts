/**
 * Drafts in the device's database (issue #19, item 6): they survive a restart, belong to one
 * account (another account on the device never sees them, and gets them back after), and a
 * sign-out with clearData deletes them.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../testing/index.ts';
import { memoryFixture, PASSWORD } from './fixture.ts';

describe('drafts', () => {
  const env = memoryFixture();

  it('survive a restart: read before resume() resolves; an empty draft deletes the row', async () => {
    const { alice, conversationId } = await env.pair();
    await alice.engine.drafts.set(conversationId, 'half a thought');
    await alice.engine.drafts.set('g:other', 'gone soon');
    await alice.engine.drafts.set('g:other', '');
    expect(alice.engine.drafts.loaded().get(conversationId)).toBe('half a thought');
    await alice.engine.close();

    const again = alice.reopen();
    expect(again.drafts.loaded().size).toBe(0);
    await again.resume();
    expect([...again.drafts.loaded()]).toEqual([[conversationId, 'half a thought']]);
    expect([...(await again.drafts.all())]).toEqual([[conversationId, 'half a thought']]);
  });

  it('belong to their account: another one on the device sees none; the owner gets them back; clearData deletes them', async () => {
    const device = env.device();
    const annName = env.uniqueName('ann');
    const bobName = env.uniqueName('bob');
    await device.engine.signUp(annName, PASSWORD);
    await device.engine.drafts.set('g:ann-chat', 'for ann only');
    await device.engine.signOut();
    expect(device.engine.drafts.loaded().size).toBe(0);
    await expect(device.engine.drafts.set('g:x', 'signed out')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });

    await device.engine.signUp(bobName, PASSWORD);
    expect(device.engine.drafts.loaded().size).toBe(0);
    expect((await device.engine.drafts.all()).size).toBe(0);
    await device.engine.drafts.set('g:bob-chat', 'for bob');
    await device.engine.signOut();

    await device.engine.signIn(annName, PASSWORD);
    expect([...device.engine.drafts.loaded()]).toEqual([['g:ann-chat', 'for ann only']]);
    await device.engine.signOut({ clearData: true });
    await device.engine.signIn(annName, PASSWORD);
    expect(device.engine.drafts.loaded().size).toBe(0);
    await device.engine.signOut();
    await device.engine.signIn(bobName, PASSWORD);
    expect([...device.engine.drafts.loaded()]).toEqual([['g:bob-chat', 'for bob']]);
  });

  it("a group's draft typed under its local id shows under its server id once the group is created", async () => {
    const { alice, b } = await env.pair();
    alice.engine.setNetworkEnabled(false);
    const group = await alice.engine.createGroup('Plans', [b.id]);
    await alice.engine.drafts.set(group.id, 'typed offline');
    alice.engine.setNetworkEnabled(true);
    const serverId = (await waitFor(async () => {
      const view = await alice.engine.queries.conversation(group.id);
      return view && !view.conversation.local ? view.conversation.id : null;
    })) as string;
    expect([...(await alice.engine.drafts.all())]).toEqual([[serverId, 'typed offline']]);
  });
});
