/**
 * Attachments end to end against the real server (HTTP uploads in Content-Range chunks, the
 * SQLite store and DATA_DIR blobs): a photo sent offline is uploaded once after reconnect, an
 * engine closed mid-upload resumes from the server's offset, and the peer downloads identical bytes.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { SyncEngineOptions } from '@pigeon/sync-protocol/engine';
import type { RunningServer } from '../../server/src/index.ts';
import { sha256Hex, uploadClientIdOf } from '../../sync-protocol/src/engine/up/files.ts';
import { serverHistory, useServer, waitFor } from './helpers.ts';

const CHUNK = 256 * 1024;

/** A real PNG of noise (the server sniffs: bytes that are not the image they claim are refused), about 2.8 bytes a pixel. */
async function noisePng(width: number, height: number): Promise<Blob> {
  const png = await sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).png().toBuffer();
  return new Blob([new Uint8Array(png)], { type: 'image/png' });
}

/** The Content-Range of each chunk of a `size`-byte upload. */
const chunkRanges = (size: number, from = 0): string[] => {
  const ranges: string[] = [];
  for (let start = from; start < size; start += CHUNK) ranges.push(`bytes ${start}-${Math.min(start + CHUNK, size) - 1}/${size}`);
  return ranges;
};

interface UploadSeen {
  range: string | null;
  status: number;
}

/** A fetch that records each upload request (its Content-Range and answer) and may hold one before it is answered. */
function recordingFetch(holdRange?: string) {
  const uploads: UploadSeen[] = [];
  let reached!: () => void;
  let release!: () => void;
  const hold = { reached: new Promise<void>((r) => (reached = r)), released: new Promise<void>((r) => (release = r)) };
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    if (url.pathname !== '/api/attachments' || init?.method !== 'POST') return fetch(input, init);
    const range = new Headers(init.headers).get('content-range');
    const response = await fetch(input, init);
    uploads.push({ range, status: response.status });
    if (range === holdRange) {
      reached();
      await hold.released;
    }
    return response;
  };
  return { uploads, fetch: fetchImpl, reached: hold.reached, release };
}

/** The uploader's uploads no message carries (a second copy of a retried upload would be one). */
async function strayUploads(server: RunningServer, uploaderId: string): Promise<number> {
  const future = new Date(Date.now() + 86_400_000).toISOString();
  return (await server.store.attachmentsToSweep(future, 10_000)).filter((r) => r.uploaderId === uploaderId).length;
}

describe('attachments against the real server', () => {
  const env = useServer();
  const chunked: Partial<SyncEngineOptions> = { uploadChunkBytes: CHUNK };

  it('a photo sent offline is uploaded once after reconnect, and the peer downloads identical bytes', async () => {
    const rec = recordingFetch();
    const { alice, bob, a, b, conversationId } = await env.pair({ alice: { ...chunked, fetch: rec.fetch } });
    alice.engine.setNetworkEnabled(false);
    const photo = await noisePng(600, 500);
    const sent = await alice.engine.send(b.id, 'offline photo', { files: [{ blob: photo, name: 'offline.png' }] });
    expect(rec.uploads).toEqual([]);

    alice.engine.setNetworkEnabled(true);
    const acked = await waitFor(
      async () => {
        const m = await alice.engine.queries.message(sent.key);
        return m?.seq ? m : null;
      },
      { describe: async () => ({ uploads: rec.uploads, message: await alice.engine.queries.message(sent.key) }) },
    );
    const size = photo.size;
    expect(size).toBeGreaterThan(2 * CHUNK);
    const ranges = chunkRanges(size);
    expect(rec.uploads).toEqual(ranges.map((range, i) => ({ range, status: i === ranges.length - 1 ? 201 : 202 })));
    const [attachment] = acked!.attachments!;
    // The server measured the image and made its preview (the engine in Node has no describeImage).
    expect(attachment).toMatchObject({ name: 'offline.png', mime: 'image/png', size, width: 600, height: 500, sha256: await sha256Hex(photo) });
    expect(attachment!.preview).toMatch(/^[A-Za-z0-9_-]+$/);
    const stored = await serverHistory(env.t.server, conversationId);
    expect(stored.map((m) => [m.clientId, m.attachments?.map((x) => x.id)])).toEqual([[sent.clientId, [attachment!.id]]]);
    expect(await strayUploads(env.t.server, a.id)).toBe(0);

    // The sender holds its own bytes (no download); the peer downloads them with its token.
    expect(await alice.engine.media.has(attachment!.id)).toBe(true);
    const got = await waitFor(async () => (await bob.engine.queries.message(acked!.key)) ?? null);
    expect(got!.attachments).toEqual([attachment]);
    expect(await sha256Hex(await bob.engine.media.blob(attachment!))).toBe(attachment!.sha256);
    expect(await bob.engine.media.usage()).toBe(size);
  });

  it('an engine closed after the first chunk resumes from the server offset after a reopen; the server holds one attachment', async () => {
    const photo = await noisePng(500, 400);
    const size = photo.size;
    const ranges = chunkRanges(size);
    const rec = recordingFetch(ranges[0]);
    const { alice, bob, a, b } = await env.pair({ alice: { ...chunked, fetch: rec.fetch } });
    const sent = await alice.engine.send(b.id, 'resumed', { files: [{ blob: photo, name: 'resumed.png' }] });
    await rec.reached; // the first chunk is stored; its answer waits
    await alice.engine.close();
    rec.release();

    const reopened = env.track(alice.reopen({ fetch: rec.fetch }));
    expect((await reopened.resume())?.id).toBe(a.id);
    const acked = await waitFor(async () => {
      const m = await reopened.queries.message(sent.key);
      return m?.seq ? m : null;
    });
    // After the reopen: where does it stand (202 at one chunk), then the rest from there.
    expect(ranges.length).toBeGreaterThanOrEqual(3);
    expect(rec.uploads.map((u) => [u.range, u.status])).toEqual([
      [ranges[0], 202],
      [`bytes */${size}`, 202],
      ...ranges.slice(1).map((range, i) => [range, i === ranges.length - 2 ? 201 : 202]),
    ]);
    const [attachment] = acked!.attachments!;
    const record = await env.t.server.store.findAttachment(a.id, uploadClientIdOf(sent.attachments![0]!.id)!);
    expect(record?.id).toBe(attachment!.id);
    expect(record?.holder).not.toBeNull();
    expect(await strayUploads(env.t.server, a.id)).toBe(0);

    const got = await waitFor(async () => (await bob.engine.queries.message(acked!.key)) ?? null);
    expect(await sha256Hex(await bob.engine.media.blob(got!.attachments![0]!))).toBe(await sha256Hex(photo));
  });

  it('a chunk cut half-way through its body: the server keeps what arrived, the engine continues from that offset', async () => {
    const photo = await noisePng(500, 400);
    const size = photo.size;
    const ranges = chunkRanges(size);
    const seen: string[] = [];
    let cut = false;
    const cuttingFetch: typeof fetch = async (input, init) => {
      const url = new URL(String(input));
      if (url.pathname !== '/api/attachments' || init?.method !== 'POST') return fetch(input, init);
      const range = new Headers(init.headers).get('content-range')!;
      seen.push(range);
      if (range !== ranges[1] || cut) return fetch(input, init);
      // The second chunk's connection dies after half its bytes: they reach the server, no answer comes back.
      cut = true;
      const bytes = new Uint8Array(await (init.body as Blob).arrayBuffer());
      const half = bytes.subarray(0, bytes.length / 2);
      const abort = new AbortController();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(half);
          // Let the half arrive, then the connection is gone.
          setTimeout(() => abort.abort(new Error('connection reset')), 300);
        },
      });
      // A stream has no length of its own: the chunk's Content-Length is said, as the Blob said it.
      const headers = { ...(init.headers as Record<string, string>), 'content-length': String(bytes.length) };
      return fetch(input, { ...init, headers, body, duplex: 'half', signal: abort.signal } as RequestInit);
    };
    const { alice, bob, a, b } = await env.pair({ alice: { ...chunked, fetch: cuttingFetch } });
    const sent = await alice.engine.send(b.id, 'cut', { files: [{ blob: photo, name: 'cut.png' }] });
    const acked = await waitFor(
      async () => {
        const m = await alice.engine.queries.message(sent.key);
        return m?.seq ? m : null;
      },
      { describe: () => seen },
    );
    const resumeAt = CHUNK + CHUNK / 2;
    expect(seen).toEqual([ranges[0], ranges[1], `bytes */${size}`, ...chunkRanges(size, resumeAt)]);
    expect(await strayUploads(env.t.server, a.id)).toBe(0);
    const got = await waitFor(async () => (await bob.engine.queries.message(acked!.key)) ?? null);
    expect(await sha256Hex(await bob.engine.media.blob(got!.attachments![0]!))).toBe(await sha256Hex(photo));
  });

  it('a file over ATTACHMENT_MAX_BYTES (16 MiB + 1) fails at its first chunk with PAYLOAD_TOO_LARGE, nothing stored', async () => {
    const rec = recordingFetch();
    const { alice, a, b } = await env.pair({ alice: { fetch: rec.fetch } });
    const big = new Blob([new Uint8Array(16 * 1024 * 1024 + 1)], { type: 'application/octet-stream' });
    const sent = await alice.engine.send(b.id, 'too big', { files: [{ blob: big, name: 'big.bin' }] });
    const failed = await waitFor(async () => {
      const m = await alice.engine.queries.message(sent.key);
      return m?.status === 'failed' ? m : null;
    });
    expect(failed!.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(failed!.error!.message).toContain('big.bin');
    expect(rec.uploads.map((u) => u.status)).toEqual([413]);
    expect(await strayUploads(env.t.server, a.id)).toBe(0);
  });

  it('a file the server refuses (HTML named .png) fails its message with UNSUPPORTED_MEDIA_TYPE; discard removes it', async () => {
    const { alice, b } = await env.pair();
    const page = new Blob(['<!doctype html><script>alert(1)</script>'], { type: 'image/png' });
    const sent = await alice.engine.send(b.id, '', { files: [{ blob: page, name: 'cat.png' }] });
    const failed = await waitFor(async () => {
      const m = await alice.engine.queries.message(sent.key);
      return m?.status === 'failed' ? m : null;
    });
    expect(failed!.error?.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(failed!.error?.message).toContain('cat.png');
    await alice.engine.discard(sent.key);
    expect(await alice.engine.queries.message(sent.key)).toBeUndefined();
  });
});
