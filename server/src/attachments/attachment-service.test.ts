import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PigeonError, type ContentRange } from '@pigeon/sync-protocol';
import type { AttachmentRecord, NewAttachment } from '../store/store.ts';
import { thumbnailBlobId, uploadKey, type BlobStore } from './blob-store.ts';
import { createDiskBlobStore } from './disk-blob-store.ts';
import { AttachmentService, type UploadRequest } from './attachment-service.ts';
import { FairQueue } from './fair-queue.ts';

/** The records part of the Store, in memory: a unit-test double only (the real stores pass the store contract). */
function memoryRecords() {
  const byId = new Map<string, AttachmentRecord>();
  return {
    byId,
    async createAttachment(a: NewAttachment) {
      const existing = [...byId.values()].find((r) => r.uploaderId === a.uploaderId && r.clientId === a.clientId);
      if (existing) return { attachment: existing, created: false };
      const record: AttachmentRecord = { ...a, holder: null, deletedAt: null };
      byId.set(a.id, record);
      return { attachment: record, created: true };
    },
    getAttachment: async (id: string) => byId.get(id) ?? null,
    findAttachment: async (uploaderId: string, clientId: string) => [...byId.values()].find((r) => r.uploaderId === uploaderId && r.clientId === clientId) ?? null,
    memberPeriods: async () => [],
  };
}

const CLIENT_ID = 'upload-0001';
const req = (body: Buffer, range: ContentRange | null, extra: Partial<UploadRequest> = {}): UploadRequest => ({
  query: { clientId: CLIENT_ID, name: 'file.bin' },
  declaredType: 'application/octet-stream',
  contentLength: body.length,
  contentRange: range,
  body: Readable.from([body]),
  ...extra,
});
async function waitUntil(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 5));
}
const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof PigeonError ? e.code : String(e)));

describe('AttachmentService', () => {
  let dir: string;
  let blobs: BlobStore;
  let records: ReturnType<typeof memoryRecords>;
  let taken: string[];
  let service: AttachmentService;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pigeon-attachment-service-'));
    blobs = createDiskBlobStore(dir);
    records = memoryRecords();
    taken = [];
    service = makeService();
  });
  const deps = (newId?: () => string) => ({
    store: records,
    blobs,
    limits: { maxBytes: 1000, uploadsPerUser: 1, imageMaxPixels: 1e6 },
    rateLimiter: { take: async (userId: string) => void taken.push(userId) },
    images: new FairQueue(1),
    log: { warn: () => {}, debug: () => {} },
    newId,
  });
  const makeService = (newId?: () => string) => new AttachmentService(deps(newId));
  afterEach(async () => {
    await blobs.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores a whole file once: the same clientId again answers 200 with the same attachment', async () => {
    const bytes = Buffer.from('0123456789');
    const first = await service.upload('u1', req(bytes, null));
    expect(first).toMatchObject({ status: 201, attachment: { size: 10, mime: 'application/octet-stream', sha256: createHash('sha256').update(bytes).digest('hex') } });
    const again = await service.upload('u1', req(bytes, null));
    expect(again).toEqual({ ...first, status: 200 });
    expect(records.byId.size).toBe(1);
    expect(taken).toEqual(['u1']); // the repeat found the record before counting
  });

  it('continues chunks at the stored offset, answers where it stands, and refuses another offset with it', async () => {
    const bytes = Buffer.from('abcdefghij');
    expect(await service.upload('u1', req(bytes.subarray(0, 4), { start: 0, end: 3, size: 10 }))).toEqual({ status: 202, upload: { offset: 4, size: 10 } });
    expect(await service.upload('u1', req(Buffer.alloc(0), { start: null, end: null, size: 10 }, { contentLength: 0 }))).toEqual({ status: 202, upload: { offset: 4, size: 10 } });
    const wrong = await service.upload('u1', req(bytes.subarray(6), { start: 6, end: 9, size: 10 })).catch((e: PigeonError) => e);
    expect(wrong).toMatchObject({ code: 'CONFLICT', details: { offset: 4, size: 10 } });
    const done = await service.upload('u1', req(bytes.subarray(4), { start: 4, end: 9, size: 10 }));
    expect(done).toMatchObject({ status: 201, attachment: { size: 10 } });
    expect(taken).toEqual(['u1']); // only the request from offset 0 counted as a send
    expect(await blobs.staged(uploadKey('u1', CLIENT_ID))).toBeNull();
  });

  it('refuses sizes over the limit before reading, 0 bytes, and mismatched lengths', async () => {
    const unread = Readable.from([Buffer.alloc(1001)]);
    expect(await code(service.upload('u1', req(Buffer.alloc(1001), null, { body: unread })))).toBe('PAYLOAD_TOO_LARGE');
    expect(unread.readableDidRead).toBe(false);
    expect(await code(service.upload('u1', req(Buffer.alloc(10), { start: 0, end: 9, size: 1001 })))).toBe('PAYLOAD_TOO_LARGE');
    expect(await code(service.upload('u1', req(Buffer.alloc(0), null)))).toBe('VALIDATION');
    expect(await code(service.upload('u1', req(Buffer.alloc(10), { start: 0, end: 4, size: 10 })))).toBe('VALIDATION');
    expect(records.byId.size).toBe(0);
  });

  it('refuses active content (415) and a sha256 mismatch (VALIDATION) without keeping any bytes', async () => {
    const html = Buffer.from('<html><script>alert(1)</script></html>');
    expect(await code(service.upload('u1', req(html, null, { declaredType: 'image/png', query: { clientId: CLIENT_ID, name: 'cat.png' } })))).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(await blobs.staged(uploadKey('u1', CLIENT_ID))).toBeNull();
    const wrongHash = { clientId: 'upload-0002', name: 'a.bin', sha256: '0'.repeat(64) };
    let id = '';
    const fixedIds = makeService(() => (id = 'fixed-id-1'));
    expect(await code(fixedIds.upload('u1', req(Buffer.from('abc'), null, { query: wrongHash })))).toBe('VALIDATION');
    expect(id).toBe('fixed-id-1');
    expect(await blobs.size(id)).toBeNull();
    expect(records.byId.size).toBe(0);
  });

  it('describes a raster image (width, height, preview, thumbnail) and keeps the client preview', async () => {
    const png = await sharp({ create: { width: 20, height: 10, channels: 3, background: '#08f' } }).png().toBuffer();
    const answer = await service.upload('u1', req(png, null, { declaredType: 'image/png', query: { clientId: CLIENT_ID, name: 'a.png', preview: 'clientMade' } }));
    if (answer.status === 202) throw new Error('unfinished');
    expect(answer.attachment).toMatchObject({ mime: 'image/png', width: 20, height: 10, preview: 'clientMade' });
    expect(await blobs.size(thumbnailBlobId(answer.attachment.id))).toBeGreaterThan(0);
  });

  it('allows one upload at a time per user here (uploadsPerUser: 1): the second is 429 before its body is read', async () => {
    const slow = new Readable({ read() {} });
    slow.push(Buffer.alloc(3));
    const first = service.upload('u1', req(Buffer.alloc(10), null, { body: slow }));
    await new Promise((r) => setTimeout(r, 50));
    const other = Readable.from([Buffer.alloc(10)]);
    expect(await code(service.upload('u1', req(Buffer.alloc(10), null, { body: other, query: { clientId: 'upload-0003', name: 'b.bin' } })))).toBe('RATE_LIMITED');
    expect(await code(service.upload('u2', req(Buffer.alloc(10), null, { query: { clientId: 'upload-0004', name: 'c.bin' } })))).toBe('ok');
    slow.push(Buffer.alloc(7));
    slow.push(null);
    expect(await first).toMatchObject({ status: 201 });
  });

  it('a body cut mid-way keeps its bytes, answers UNAVAILABLE (retry), and frees the upload slot', async () => {
    const cut = new Readable({ read() {} });
    cut.push(Buffer.alloc(4));
    const pending = service.upload('u1', req(Buffer.alloc(10), null, { body: cut }));
    await new Promise((r) => setTimeout(r, 50));
    cut.destroy(new Error('aborted'));
    expect(await code(pending)).toBe('UNAVAILABLE');
    expect(await blobs.staged(uploadKey('u1', CLIENT_ID))).toEqual({ offset: 4, size: 10 });
    // uploadsPerUser is 1: the slot is free again, and the upload continues where it stopped.
    expect(await service.upload('u1', req(Buffer.alloc(6), { start: 4, end: 9, size: 10 }))).toMatchObject({ status: 201, attachment: { size: 10 } });
  });

  it('a request while this node finishes the same upload waits for it and answers the same attachment (one copy)', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let recording = false;
    const gated = { ...records, createAttachment: async (a: NewAttachment) => ((recording = true), await gate, records.createAttachment(a)) };
    const slow = new AttachmentService({ ...deps(), store: gated });
    const bytes = Buffer.from('0123456789');
    const last = slow.upload('u1', req(bytes, null));
    // The bytes are committed and the record is waiting: a status query must not say "offset 0".
    await waitUntil(async () => recording);
    expect(await blobs.staged(uploadKey('u1', CLIENT_ID))).toBeNull();
    const status = slow.upload('u1', req(Buffer.alloc(0), { start: null, end: null, size: 10 }, { contentLength: 0 }));
    open();
    const [a, b] = await Promise.all([last, status]);
    expect(a).toMatchObject({ status: 201 });
    expect(b).toEqual({ ...a, status: 200 });
    expect(records.byId.size).toBe(1);
  });

  it('deletes the bytes of records marked deleted, and only those', async () => {
    const a = await service.upload('u1', req(Buffer.from('one'), null));
    const b = await service.upload('u1', req(Buffer.from('two'), null, { query: { clientId: 'upload-0005', name: 'b' } }));
    if (a.status === 202 || b.status === 202) throw new Error('unfinished');
    records.byId.get(a.attachment.id)!.deletedAt = new Date().toISOString();
    await service.deleteBytesOf([a.attachment.id, b.attachment.id]);
    expect(await blobs.size(a.attachment.id)).toBeNull();
    expect(await blobs.size(b.attachment.id)).toBe(3);
  });
});
