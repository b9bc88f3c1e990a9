/**
 * Attachments, offline-first (docs/sync-protocol.md, "Attachments"): the bytes are stored with the
 * message, survive a reload, are uploaded once and resumably, and reach the peer.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../testing/index.ts';
import type { ServerCall } from '../../testing/index.ts';
import { sha256Hex } from '../up/files.ts';
import { bytes } from './files-fixture.ts';
import { memoryFixture } from './fixture.ts';

const uploadCalls = (calls: ServerCall[]) => calls.filter((c) => c.op === 'uploadAttachment');

describe('attachments', () => {
  const env = memoryFixture();

  /** Records every call the server gets (of every device) until the returned stop. */
  function record(): { calls: ServerCall[]; stop: () => void } {
    const calls: ServerCall[] = [];
    const stop = env.server.intercept((call, next) => {
      calls.push(call);
      return next();
    });
    return { calls, stop };
  }

  it('a photo sent offline survives a reload, is uploaded once and sent once, and the peer downloads identical bytes', async () => {
    const { alice, bob, b, conversationId } = await env.pair();
    alice.engine.setNetworkEnabled(false);
    const photo = bytes(400_000, 7);
    const sent = await alice.engine.send(b.id, 'look', { files: [{ blob: photo, name: 'beach.png' }] });
    expect(sent.status).toBe('pending');
    expect(sent.attachments).toHaveLength(1);
    const [local] = sent.attachments!;
    expect(local).toMatchObject({ name: 'beach.png', mime: 'image/png', size: 400_000, sha256: await sha256Hex(photo), uploaded: 0 });
    expect(local!.id.startsWith('local:')).toBe(true);
    // The sender sees its own photo at once, offline.
    expect(await sha256Hex(await alice.engine.media.blob(local!))).toBe(local!.sha256);

    // Reload: the engine closes and a new one opens the same database, still offline.
    await alice.engine.close();
    const reopened = env.track(alice.reopen());
    reopened.setNetworkEnabled(false);
    expect(await reopened.resume()).not.toBeNull();
    const [again] = await reopened.queries.messages(conversationId);
    expect(again?.attachments?.[0]?.id).toBe(local!.id);
    expect(await sha256Hex(await reopened.media.blob(again!.attachments![0]!))).toBe(local!.sha256);

    const rec = record();
    try {
      reopened.setNetworkEnabled(true);
      const acked = await waitFor(async () => {
        const [m] = await reopened.queries.messages(conversationId);
        return m?.seq ? m : null;
      });
      expect(acked!.body).toBe('look');
      const [server] = acked!.attachments!;
      expect(server!.id.startsWith('local:')).toBe(false);
      expect(server).toMatchObject({ name: 'beach.png', size: 400_000, sha256: local!.sha256 });
      // Two chunks (the first is 256 KiB; 400 KB is more than a quarter over it, up/chunk-size.ts), one attachment, one message.
      expect(uploadCalls(rec.calls).length).toBe(2);
      expect(rec.calls.filter((c) => c.op === 'sendMessage').length).toBe(1);
      expect(env.server.attachments.list().filter((a) => a.sha256 === local!.sha256)).toHaveLength(1);
      expect(env.server.history(conversationId).map((m) => m.attachments?.map((a) => a.id))).toEqual([[server!.id]]);

      // The sender's bytes moved into its cache: no download of its own photo.
      expect(await reopened.media.has(server!.id)).toBe(true);
      await waitFor(async () => (await reopened.media.usage()) === 400_000);
      expect(await sha256Hex(await reopened.media.blob(server!))).toBe(local!.sha256);
      expect(rec.calls.filter((c) => c.op === 'downloadAttachment' && c.userId === sent.senderId)).toHaveLength(0);

      // The peer: the message with its attachment, then the bytes (downloaded once, then cached).
      const got = await waitFor(async () => (await bob.engine.queries.messages(conversationId))[0] ?? null);
      expect(got!.attachments).toEqual([server]);
      expect(await bob.engine.media.has(server!.id)).toBe(false);
      const [one, two] = await Promise.all([bob.engine.media.blob(server!), bob.engine.media.blob(server!)]);
      expect(await sha256Hex(one)).toBe(local!.sha256);
      expect(await sha256Hex(two)).toBe(local!.sha256);
      expect(await bob.engine.media.has(server!.id)).toBe(true);
      await bob.engine.media.blob(server!);
      expect(rec.calls.filter((c) => c.op === 'downloadAttachment' && c.userId === b.id)).toHaveLength(1);
      expect(await bob.engine.media.usage()).toBe(400_000);
    } finally {
      rec.stop();
    }
  });

  it('several files in one message keep their order, and a caption may be empty', async () => {
    const { alice, bob, b, conversationId } = await env.pair();
    const files = [bytes(10, 1), bytes(20, 2, 'application/pdf'), bytes(30, 3, '')].map((blob, i) => ({ blob, name: `f${i}` }));
    const sent = await alice.engine.send(b.id, '', { files });
    expect(sent.attachments!.map((a) => [a.name, a.size, a.mime])).toEqual([
      ['f0', 10, 'image/png'],
      ['f1', 20, 'application/pdf'],
      ['f2', 30, 'application/octet-stream'],
    ]);
    const got = await waitFor(async () => (await bob.engine.queries.messages(conversationId))[0] ?? null);
    expect(got!.body).toBe('');
    expect(got!.attachments!.map((a) => a.name)).toEqual(['f0', 'f1', 'f2']);
    for (const [i, a] of got!.attachments!.entries()) expect(await sha256Hex(await bob.engine.media.blob(a))).toBe(await sha256Hex(files[i]!.blob));
  });

  it('refuses at once: an empty file, more than 10, no body and no file', async () => {
    const { alice, b } = await env.pair();
    const one = { blob: bytes(5), name: 'x.png' };
    await expect(alice.engine.send(b.id, 'hi', { files: [{ blob: new Blob([]), name: 'empty.txt' }] })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(alice.engine.send(b.id, 'hi', { files: Array.from({ length: 11 }, () => one) })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(alice.engine.send(b.id, '  ', { files: [] })).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(alice.engine.getState().outboxSize).toBe(0);
  });

  it('a reply to a photo without caption quotes it as "📷 name", on the device at once and from the server (never the "" of a deleted one)', async () => {
    const { alice, bob, a, b, conversationId } = await env.pair();
    await alice.engine.send(b.id, '', { files: [{ blob: bytes(2_000, 3), name: 'beach.png' }] });
    const original = await waitFor(async () => (await bob.engine.queries.messages(conversationId)).find((m) => m.attachments?.length) ?? null);
    bob.engine.setNetworkEnabled(false);
    const reply = await bob.engine.send(a.id, 'nice', { replyTo: original!.key });
    expect(reply.replyTo?.preview).toBe('📷 beach.png');
    bob.engine.setNetworkEnabled(true);
    const stored = await waitFor(async () => {
      const m = (await alice.engine.queries.messages(conversationId)).find((x) => x.body === 'nice');
      return m?.seq ? m : null;
    });
    expect(stored!.replyTo).toMatchObject({ id: original!.id, preview: '📷 beach.png' });
  });

  it('chunks grow on a fast link: 3 MiB go up in a few requests, not twelve of the first 256 KiB, and the next file starts where that one ended', async () => {
    const { alice, b } = await env.pair();
    const rec = record();
    try {
      const sent = await alice.engine.send(b.id, 'big', { files: [{ blob: bytes(3 * 1024 * 1024, 5), name: 'big.bin' }] });
      await waitFor(async () => ((await alice.engine.queries.message(sent.key))?.seq ? true : null));
      const sizes = uploadCalls(rec.calls).map((c) => (c.input as { chunk: { blob: Blob } | null }).chunk?.blob.size ?? 0);
      expect(sizes[0]).toBe(256 * 1024);
      expect(sizes.length).toBeLessThanOrEqual(4);
      expect(sizes.reduce((x, y) => x + y, 0)).toBe(3 * 1024 * 1024);

      // The next file, within a minute: it starts at the size the first one reached, no 256 KiB probe again.
      const before = uploadCalls(rec.calls).length;
      const next = await alice.engine.send(b.id, 'big too', { files: [{ blob: bytes(3 * 1024 * 1024, 6), name: 'big2.bin' }] });
      await waitFor(async () => ((await alice.engine.queries.message(next.key))?.seq ? true : null));
      const nextSizes = uploadCalls(rec.calls)
        .slice(before)
        .map((c) => (c.input as { chunk: { blob: Blob } | null }).chunk?.blob.size ?? 0);
      expect(nextSizes[0]).toBeGreaterThan(256 * 1024);
      expect(nextSizes.reduce((x, y) => x + y, 0)).toBe(3 * 1024 * 1024);
      expect(nextSizes.length).toBeLessThan(sizes.length);
    } finally {
      rec.stop();
    }
  });
});
