import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
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
