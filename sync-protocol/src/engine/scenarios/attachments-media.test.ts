/**
 * engine.media (docs/sync-protocol.md, "Attachments"): downloads with the token into a cache with
 * a budget (least recently used evicted first, null keeps everything), thumbnails, offline reads,
 * who may read, groups, and the cache's owner.
 */
import { describe, expect, it } from 'vitest';
import type { Attachment } from '../../model/message-parts.ts';
import { waitFor, type ServerCall } from '../../testing/index.ts';
import type { SyncEngine } from '../api.ts';
import { sha256Hex } from '../up/files.ts';
import { bytes } from './files-fixture.ts';
import { memoryFixture, PASSWORD } from './fixture.ts';

const KB = 1000;

describe('attachments: media', () => {
  const env = memoryFixture();

  function countDownloads(): { of: (userId: string, thumbnail?: boolean) => number; stop: () => void } {
    const calls: ServerCall[] = [];
    const stop = env.server.intercept((call, next) => {
      if (call.op === 'downloadAttachment') calls.push(call);
      return next();
    });
    const of = (userId: string, thumbnail = false) => calls.filter((c) => c.userId === userId && (c.input as { thumbnail: boolean }).thumbnail === thumbnail).length;
    return { of, stop };
  }

  /** alice sends each blob in a message of its own to bob; resolves with the attachments as bob holds them. */
  async function received(sender: SyncEngine, receiver: SyncEngine, to: string, conversationId: string, blobs: Blob[]): Promise<Attachment[]> {
    for (const [i, blob] of blobs.entries()) await sender.send(to, `m${i}`, { files: [{ blob, name: `f${i}.png` }] });
    const list = await waitFor(async () => {
      const got = await receiver.queries.messages(conversationId);
      return got.length === blobs.length ? got : null;
    });
    return list!.map((m) => m.attachments![0]!);
  }

  it('evicts the least recently used download beyond the budget; null keeps everything; the budget stays across a reload', async () => {
    const { alice, bob, b, conversationId } = await env.pair({ bob: { mediaCacheBytes: 250 * KB } });
    const [one, two, three] = await received(alice.engine, bob.engine, b.id, conversationId, [bytes(100 * KB, 1), bytes(100 * KB, 2), bytes(100 * KB, 3)]);
    expect(await bob.engine.media.budget()).toBe(250 * KB);
    await bob.engine.media.blob(one!);
    await bob.engine.media.blob(two!);
    await bob.engine.media.blob(one!); // one is used again: two is now the least recently used
    await bob.engine.media.blob(three!);
    expect(await bob.engine.media.usage()).toBe(200 * KB);
    expect([await bob.engine.media.has(one!.id), await bob.engine.media.has(two!.id), await bob.engine.media.has(three!.id)]).toEqual([true, false, true]);

    await bob.engine.media.setBudget(null);
    await bob.engine.media.blob(two!);
    expect(await bob.engine.media.usage()).toBe(300 * KB);
    await bob.engine.media.setBudget(150 * KB); // trimmed at once: only the most recent stays
    expect(await bob.engine.media.usage()).toBe(100 * KB);
    expect(await bob.engine.media.has(two!.id)).toBe(true);

    await bob.engine.close();
    const reopened = env.track(bob.reopen());
    await reopened.resume();
    expect(await reopened.media.budget()).toBe(150 * KB);
    expect(await reopened.media.has(two!.id)).toBe(true);
  });

  it('thumbnails: the sender shows its own bytes, the peer the server thumbnail until it holds the full bytes; files are not images', async () => {
    const { alice, bob, a, b, conversationId } = await env.pair();
    const downloads = countDownloads();
    try {
      const [photo, pdf] = await received(alice.engine, bob.engine, b.id, conversationId, [bytes(2 * KB, 4), bytes(KB, 5, 'application/pdf')]);
      const own = (await alice.engine.queries.messages(conversationId)).map((m) => m.attachments![0]!);
      await alice.engine.media.thumbnail(own[0]!);
      expect(downloads.of(a.id, true) + downloads.of(a.id)).toBe(0);

      await bob.engine.media.thumbnail(photo!);
      await bob.engine.media.thumbnail(photo!);
      expect([downloads.of(b.id, true), downloads.of(b.id)]).toEqual([1, 0]);
      expect(await bob.engine.media.has(photo!.id)).toBe(false); // a thumbnail is not the file
      await bob.engine.media.blob(photo!);
      expect(await sha256Hex(await bob.engine.media.thumbnail(photo!))).toBe(photo!.sha256);
      expect([downloads.of(b.id, true), downloads.of(b.id)]).toEqual([1, 1]);

      // A pdf has no thumbnail: its bytes.
      expect(await sha256Hex(await bob.engine.media.thumbnail(pdf!))).toBe(pdf!.sha256);
      expect([downloads.of(b.id, true), downloads.of(b.id)]).toEqual([1, 2]);
    } finally {
      downloads.stop();
    }
  });

  it('offline and not cached: UNAVAILABLE with details.network; cached: read offline; a stranger is FORBIDDEN', async () => {
    const { alice, bob, b, conversationId } = await env.pair();
    const [first, second] = await received(alice.engine, bob.engine, b.id, conversationId, [bytes(KB, 6), bytes(KB, 7)]);
    await bob.engine.media.blob(first!);
    bob.engine.setNetworkEnabled(false);
    expect(await sha256Hex(await bob.engine.media.blob(first!))).toBe(first!.sha256);
    await expect(bob.engine.media.blob(second!)).rejects.toMatchObject({ code: 'UNAVAILABLE', details: { network: true } });
    bob.engine.setNetworkEnabled(true);

    const stranger = env.device();
    await stranger.engine.signUp(env.uniqueName('eve'), PASSWORD);
    await expect(stranger.engine.media.blob(second!)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(stranger.engine.media.blob({ ...second!, id: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a group message with files: every member downloads identical bytes', async () => {
    const { alice, bob, b } = await env.pair();
    const carol = env.device();
    const c = await carol.engine.signUp(env.uniqueName('carol'), PASSWORD);
    const group = await alice.engine.createGroup('trip', [b.id, c.id]);
    const photo = bytes(3 * KB, 8);
    await alice.engine.sendToConversation(group.id, 'group photo', { files: [{ blob: photo, name: 'g.png' }] });
    for (const member of [bob.engine, carol.engine]) {
      const m = await waitFor(async () => {
        const views = await member.queries.conversations();
        const id = views.find((v) => v.conversation.type === 'group')?.conversation.id;
        const list = id ? await member.queries.messages(id) : [];
        return list.find((x) => x.body === 'group photo') ?? null;
      });
      expect(await sha256Hex(await member.media.blob(m!.attachments![0]!))).toBe(await sha256Hex(photo));
    }
  });

  it('a different account signing in on the device clears the cache (the budget setting stays)', async () => {
    const { alice, bob, b, conversationId } = await env.pair();
    const [first] = await received(alice.engine, bob.engine, b.id, conversationId, [bytes(KB, 9)]);
    await bob.engine.media.blob(first!);
    await bob.engine.media.setBudget(123 * KB);
    await bob.engine.signOut();
    expect(await bob.engine.media.has(first!.id)).toBe(true); // same account may come back
    const other = env.uniqueName('dan');
    env.server.addUser(other);
    await bob.engine.signIn(other, PASSWORD);
    expect(await bob.engine.media.has(first!.id)).toBe(false);
    expect(await bob.engine.media.usage()).toBe(0);
    expect(await bob.engine.media.budget()).toBe(123 * KB);
  });
});
