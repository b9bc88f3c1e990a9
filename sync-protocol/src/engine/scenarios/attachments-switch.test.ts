/**
 * Unsent files across an account switch (docs/sync-protocol.md, "Attachments"): another account's
 * message with files keeps its bytes while someone else is signed in, and is uploaded and sent by
 * its owner only; a sign-out with clearData deletes them. And across tabs: any tab queues, one uploads.
 */
import { describe, expect, it } from 'vitest';
import { directConversationId } from '../../conversation-id.ts';
import { waitFor, type ServerCall } from '../../testing/index.ts';
import { sha256Hex } from '../up/files.ts';
import { bytes } from './files-fixture.ts';
import { memoryFixture, PASSWORD } from './fixture.ts';

describe('attachments: account switch', () => {
  const env = memoryFixture();

  it("keeps A's unsent photo while B is signed in (B never uploads it); A's next sign-in uploads and sends it once", async () => {
    const calls: ServerCall[] = [];
    const stop = env.server.intercept((call, next) => {
      if (call.op === 'uploadAttachment' || call.op === 'sendMessage') calls.push(call);
      return next();
    });
    try {
      const peer = env.server.addUser(env.uniqueName('peer')).user;
      const [nameA, nameB] = [env.uniqueName('anna'), env.uniqueName('ben')];
      const b = env.server.addUser(nameB).user;
      const device = env.device();
      const a = await device.engine.signUp(nameA, PASSWORD);
      const withPeer = directConversationId(a.id, peer.id);

      device.engine.setNetworkEnabled(false);
      const photo = bytes(5_000, 11);
      const unsent = await device.engine.send(peer.id, 'from anna', { files: [{ blob: photo, name: 'anna.png' }] });
      await device.engine.signOut();
      device.engine.setNetworkEnabled(true);

      await device.engine.signIn(nameB, PASSWORD);
      expect(await device.engine.queries.outbox()).toEqual([]);
      const fromB = await device.engine.send(peer.id, '', { files: [{ blob: bytes(100, 12), name: 'ben.png' }] });
      await waitFor(async () => (await device.engine.queries.message(fromB.key))?.seq);
      await device.engine.signOut();
      expect(calls.filter((c) => c.userId === b.id && c.op === 'uploadAttachment')).toHaveLength(1);
      expect(env.server.history(withPeer)).toEqual([]);

      await device.engine.signIn(nameA, PASSWORD);
      const acked = await waitFor(async () => {
        const m = await device.engine.queries.message(unsent.key);
        return m?.seq ? m : null;
      });
      expect(acked!.attachments![0]!.sha256).toBe(await sha256Hex(photo));
      expect(calls.filter((c) => c.userId === a.id).map((c) => c.op)).toEqual(['uploadAttachment', 'sendMessage']);
      expect(env.server.history(withPeer).map((m) => m.attachments!.map((x) => x.name))).toEqual([['anna.png']]);
      expect(await device.engine.media.has(acked!.attachments![0]!.id)).toBe(true);
    } finally {
      stop();
    }
  });

  it('signing out with clearData deletes the unsent files of that account only', async () => {
    const peer = env.server.addUser(env.uniqueName('peer')).user;
    const [nameA, nameB] = [env.uniqueName('anna'), env.uniqueName('ben')];
    env.server.addUser(nameB);
    const device = env.device();
    await device.engine.signUp(nameA, PASSWORD);
    device.engine.setNetworkEnabled(false);
    const fromA = await device.engine.send(peer.id, '', { files: [{ blob: bytes(100, 13), name: 'a.png' }] });
    await device.engine.signOut();

    device.engine.setNetworkEnabled(true);
    await device.engine.signIn(nameB, PASSWORD);
    device.engine.setNetworkEnabled(false);
    const fromB = await device.engine.send(peer.id, '', { files: [{ blob: bytes(100, 14), name: 'b.png' }] });
    const localB = fromB.attachments![0]!;
    expect(await device.engine.media.has(localB.id)).toBe(true);
    await device.engine.signOut({ clearData: true });
    expect(await device.engine.media.has(localB.id)).toBe(false);
    // A's parked photo is still there: it is A's to send.
    expect(await device.engine.media.has(fromA.attachments![0]!.id)).toBe(true);
  });

  it('two tabs: a photo queued in either tab is uploaded by one of them, once, and both show it sent', async () => {
    const { alice: device, b, conversationId } = await env.pair();
    const uploadsBy: string[] = [];
    const tagged = (tab: string) =>
      env.server.transport({
        intercept: (call, next) => {
          if (call.op === 'uploadAttachment') uploadsBy.push(tab);
          return next();
        },
      });
    await device.engine.close();
    const [tab1, tab2] = [env.track(device.reopen({ transport: tagged('tab1') })), env.track(device.reopen({ transport: tagged('tab2') }))];
    await Promise.all([tab1.resume(), tab2.resume()]);
    const first = await tab1.send(b.id, 'from tab 1', { files: [{ blob: bytes(700, 15), name: 'one.png' }] });
    const second = await tab2.send(b.id, 'from tab 2', { files: [{ blob: bytes(900, 16), name: 'two.png' }] });
    for (const tab of [tab1, tab2]) {
      await waitFor(async () => (await tab.queries.messages(conversationId)).every((m) => m.seq !== null && m.attachments?.every((x) => !x.id.startsWith('local:'))));
    }
    // One request per file (each under a chunk), all from the leader tab.
    expect(uploadsBy).toHaveLength(2);
    expect(new Set(uploadsBy).size).toBe(1);
    expect(env.server.history(conversationId).map((m) => [m.clientId, m.attachments!.map((x) => x.name)])).toEqual([
      [first.clientId, ['one.png']],
      [second.clientId, ['two.png']],
    ]);
    // Whichever tab uploaded, the bytes are in the shared cache: neither tab downloads them.
    const acked = (await tab2.queries.messages(conversationId)).map((m) => m.attachments![0]!);
    for (const a of acked) expect([await tab1.media.has(a.id), await tab2.media.has(a.id)]).toEqual([true, true]);
  });
});
