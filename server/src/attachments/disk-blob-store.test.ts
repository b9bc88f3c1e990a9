import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createDiskBlobStore } from './disk-blob-store.ts';
import { describeBlobStoreContract } from './testing/blob-contract.ts';

const root = mkdtempSync(join(tmpdir(), 'pigeon-blobs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describeBlobStoreContract('disk', () => createDiskBlobStore(mkdtempSync(join(root, 'store-'))));

describe('disk BlobStore: the hash kept while appending', () => {
  const bytes = randomBytes(3 * 1024 * 1024 + 17);
  const sha = createHash('sha256').update(bytes).digest('hex');
  const body = (from: number, to: number) => Readable.from([bytes.subarray(from, to)]);

  it('an upload begun by another process (a restart) is hashed from the file at commit', async () => {
    const dir = mkdtempSync(join(root, 'restart-'));
    const first = createDiskBlobStore(dir);
    await first.append('u.c1', 0, bytes.length, body(0, 1_000_000));
    const second = createDiskBlobStore(dir);
    await second.append('u.c1', 1_000_000, bytes.length, body(1_000_000, bytes.length));
    expect(await second.commit('u.c1', 'b1')).toEqual({ size: bytes.length, sha256: sha });
  });

  it('a discarded and restarted upload is hashed from its new bytes only', async () => {
    const store = createDiskBlobStore(mkdtempSync(join(root, 'discard-')));
    await store.append('u.c2', 0, bytes.length, Readable.from([randomBytes(500_000)]));
    await store.discard('u.c2');
    await store.append('u.c2', 0, bytes.length, body(0, 2_000_000));
    await store.append('u.c2', 2_000_000, bytes.length, body(2_000_000, bytes.length));
    expect(await store.commit('u.c2', 'b2')).toEqual({ size: bytes.length, sha256: sha });
  });
});

describe('disk BlobStore: after a crash', () => {
  it('a size sidecar cut empty (it is fsynced only when an offset is acknowledged) counts as no upload, and the next one starts over', async () => {
    const dir = mkdtempSync(join(root, 'crash-'));
    const store = createDiskBlobStore(dir);
    writeFileSync(join(dir, 'staging', 'u.c3.size'), '');
    writeFileSync(join(dir, 'staging', 'u.c3.part'), randomBytes(1000));
    expect(await store.staged('u.c3')).toBeNull();
    const bytes = randomBytes(5000);
    expect(await store.append('u.c3', 0, bytes.length, Readable.from([bytes]))).toEqual({ offset: 5000, size: 5000 });
    expect(await store.commit('u.c3', 'b3')).toEqual({ size: 5000, sha256: createHash('sha256').update(bytes).digest('hex') });
  });

  it('a body of many small chunks is written whole and in order (writes batched while one runs)', async () => {
    const store = createDiskBlobStore(mkdtempSync(join(root, 'batch-')));
    const bytes = randomBytes(3 * 1024 * 1024 + 5);
    const pieces = Array.from({ length: Math.ceil(bytes.length / 1000) }, (_, i) => bytes.subarray(i * 1000, (i + 1) * 1000));
    expect(await store.append('u.c4', 0, bytes.length, Readable.from(pieces))).toEqual({ offset: bytes.length, size: bytes.length });
    expect(await store.commit('u.c4', 'b4')).toEqual({ size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    const read: Buffer[] = [];
    for await (const c of await store.read('b4')) read.push(c as Buffer);
    expect(Buffer.concat(read).equals(bytes)).toBe(true);
  });
});
