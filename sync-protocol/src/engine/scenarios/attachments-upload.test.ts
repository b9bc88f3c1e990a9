/**
 * The upload pipeline under failure (docs/sync-protocol.md, "Attachments"): a cut upload continues
 * from the server's offset, an engine closed mid-upload continues after a reopen, a refusal for good
 * fails the message (retry / discard), and a message typed after a photo waits for it.
 */
import { describe, expect, it } from 'vitest';
import { networkError, waitFor, type ServerCall } from '../../testing/index.ts';
import type { UploadRequest } from '../transport/transport.ts';
import { sha256Hex } from '../up/files.ts';
import { PigeonError } from '../../errors.ts';
import { bytes } from './files-fixture.ts';
import { memoryFixture } from './fixture.ts';

const CHUNK = 64 * 1024;
const isUpload = (c: ServerCall) => c.op === 'uploadAttachment';
const chunkOf = (c: ServerCall) => (c.input as Omit<UploadRequest, 'signal'>).chunk;

describe('attachments: uploads that fail', () => {
  const env = memoryFixture();
  const chunked = { alice: { uploadChunkBytes: CHUNK } };

  it('an upload cut mid-way continues from the offset the server holds: no byte sent twice, one attachment', async () => {
    const { alice, b, conversationId } = await env.pair(chunked);
    const photo = bytes(5 * CHUNK + 100, 3);
    const chunks: (ServerCall & { lost?: boolean })[] = [];
    let n = 0;
    const stop = env.server.intercept(async (call, next) => {
      if (!isUpload(call)) return next();
      const answer = await next();
      chunks.push(call);
      // The third chunk reaches the server, its answer is lost (a cut connection).
      if (++n === 3) throw networkError('connection reset');
      return answer;
    });
    try {
      const sent = await alice.engine.send(b.id, 'big', { files: [{ blob: photo, name: 'big.png' }] });
      const acked = await waitFor(async () => {
        const m = await alice.engine.queries.message(sent.key);
        return m?.seq ? m : null;
      });
      // After the cut: a status query (no chunk), then the chunks from where the server stands.
      const starts = chunks.map((c) => chunkOf(c)?.start ?? 'status');
      expect(starts).toEqual([0, CHUNK, 2 * CHUNK, 'status', 3 * CHUNK, 4 * CHUNK, 5 * CHUNK]);
      const sentBytes = chunks.reduce((sum, c) => sum + (chunkOf(c)?.blob.size ?? 0), 0);
      expect(sentBytes).toBe(photo.size);
      expect(env.server.attachments.list().filter((a) => a.sha256 === acked!.attachments![0]!.sha256)).toHaveLength(1);
      expect(acked!.attachments![0]!.sha256).toBe(await sha256Hex(photo));
      expect(env.server.history(conversationId)).toHaveLength(1);
    } finally {
      stop();
    }
  });

  it('progress shows in the pending attachment while it uploads', async () => {
    const { alice, b } = await env.pair(chunked);
    const hold = env.server.hold((c) => isUpload(c) && chunkOf(c)?.start === 2 * CHUNK);
    const sent = await alice.engine.send(b.id, '', { files: [{ blob: bytes(4 * CHUNK, 5), name: 'p.png' }] });
    await hold.reached;
    const during = await waitFor(async () => {
      const uploaded = (await alice.engine.queries.message(sent.key))?.attachments?.[0]?.uploaded ?? 0;
      return uploaded > 0 ? uploaded : null;
    });
    expect(during).toBeGreaterThan(0);
    expect(during).toBeLessThan(4 * CHUNK);
    hold.release();
    await waitFor(async () => (await alice.engine.queries.message(sent.key))?.seq);
  });

  it('an engine closed mid-upload continues after a reopen from the server offset, and the server stores one attachment', async () => {
    const { alice, bob, b, conversationId } = await env.pair(chunked);
    const photo = bytes(4 * CHUNK + 7, 9);
    const starts: (number | 'status')[] = [];
    const stop = env.server.intercept(async (call, next) => {
      if (isUpload(call)) starts.push(chunkOf(call)?.start ?? 'status');
      return next();
    });
    // The second chunk is held: the engine closes while it is in flight (the server stores it all the same).
    const hold = env.server.hold((c) => isUpload(c) && chunkOf(c)?.start === CHUNK);
    try {
      const sent = await alice.engine.send(b.id, 'resumed', { files: [{ blob: photo, name: 'r.png' }] });
      await hold.reached;
      await alice.engine.close();
      hold.release();
      const reopened = env.track(alice.reopen());
      await reopened.resume();
      const acked = await waitFor(async () => {
        const m = await reopened.queries.message(sent.key);
        return m?.seq ? m : null;
      });
      expect(starts).toEqual([0, CHUNK, 'status', 2 * CHUNK, 3 * CHUNK, 4 * CHUNK]);
      expect(env.server.attachments.list().filter((a) => a.sha256 === acked!.attachments![0]!.sha256)).toHaveLength(1);
      const got = await waitFor(async () => (await bob.engine.queries.messages(conversationId))[0] ?? null);
      expect(await sha256Hex(await bob.engine.media.blob(got!.attachments![0]!))).toBe(await sha256Hex(photo));
    } finally {
      stop();
    }
  });

  it('a file refused for good fails its message with the code and the file name; retry uploads again; discard removes it all', async () => {
    const { alice, b, conversationId } = await env.pair();
    let refuse = true;
    const stop = env.server.intercept(async (call, next) => {
      if (isUpload(call) && refuse) throw new PigeonError('PAYLOAD_TOO_LARGE', 'at most 16777216 bytes');
      return next();
    });
    try {
      const sent = await alice.engine.send(b.id, 'too big', { files: [{ blob: bytes(1000), name: 'huge.png' }] });
      const failed = await waitFor(async () => {
        const m = await alice.engine.queries.message(sent.key);
        return m?.status === 'failed' ? m : null;
      });
      expect(failed!.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      expect(failed!.error!.message).toContain('huge.png');
      await waitFor(() => alice.engine.getState().outboxSize === 0);
      // The bytes stay for a retry.
      expect(await alice.engine.media.has(failed!.attachments![0]!.id)).toBe(true);

      refuse = false;
      await alice.engine.retry(sent.key);
      await waitFor(async () => (await alice.engine.queries.message(sent.key))?.seq);
      expect(env.server.history(conversationId).map((m) => m.body)).toEqual(['too big']);

      // Another refused one (active content: the server's 415) is discarded: row, entry and bytes go.
      const page = await alice.engine.send(b.id, '', { files: [{ blob: bytes(10, 1, 'text/html'), name: 'page.html' }] });
      const refused = await waitFor(async () => {
        const m = await alice.engine.queries.message(page.key);
        return m?.status === 'failed' ? m : null;
      });
      expect(refused!.error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
      const localId = refused!.attachments![0]!.id;
      await alice.engine.discard(sent.key); // an acked message: left alone
      expect(await alice.engine.queries.message(sent.key)).toBeDefined();
      await alice.engine.discard(page.key);
      expect(await alice.engine.queries.message(page.key)).toBeUndefined();
      expect(await alice.engine.media.has(localId)).toBe(false);
      expect((await alice.engine.queries.conversation(conversationId))?.conversation.lastMessage?.key).toBe(sent.key);
    } finally {
      stop();
    }
  });

  it('a text typed after a photo waits for it (its upload failing on the network meanwhile) and is stored after it', async () => {
    const { alice, bob, b, conversationId } = await env.pair();
    let failures = 0;
    const stop = env.server.intercept(async (call, next) => {
      if (isUpload(call) && failures < 3) {
        failures++;
        throw networkError('offline for a moment');
      }
      return next();
    });
    try {
      const photo = await alice.engine.send(b.id, 'photo first', { files: [{ blob: bytes(500), name: 'a.png' }] });
      const text = await alice.engine.send(b.id, 'then text');
      await waitFor(async () => (await alice.engine.queries.message(text.key))?.seq);
      expect(failures).toBe(3);
      expect(env.server.history(conversationId).map((m) => [m.clientId, m.seq])).toEqual([
        [photo.clientId, 1],
        [text.clientId, 2],
      ]);
      const got = await waitFor(async () => {
        const list = await bob.engine.queries.messages(conversationId);
        return list.length === 2 ? list : null;
      });
      expect(got!.map((m) => m.body)).toEqual(['photo first', 'then text']);
    } finally {
      stop();
    }
  });

  it('retry after the send itself was refused asks the server about the upload again (status query) and sends once', async () => {
    const { alice, b, conversationId } = await env.pair();
    const seen: (number | 'status' | 'send')[] = [];
    let refuseSend = true;
    const stop = env.server.intercept(async (call, next) => {
      if (isUpload(call)) seen.push(chunkOf(call)?.start ?? 'status');
      if (call.op === 'sendMessage') {
        seen.push('send');
        if (refuseSend) throw new PigeonError('VALIDATION', 'attachmentIds: not an upload of yours that no message carries');
      }
      return next();
    });
    try {
      const sent = await alice.engine.send(b.id, 'again', { files: [{ blob: bytes(800, 17), name: 'again.png' }] });
      await waitFor(async () => (await alice.engine.queries.message(sent.key))?.status === 'failed');
      refuseSend = false;
      await alice.engine.retry(sent.key);
      await waitFor(async () => (await alice.engine.queries.message(sent.key))?.seq);
      expect(seen).toEqual([0, 'send', 'status', 'send']);
      expect(env.server.history(conversationId)).toHaveLength(1);
      expect(env.server.attachments.list().filter((x) => x.name === 'again.png')).toHaveLength(1);
    } finally {
      stop();
    }
  });
});
