import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createDiskBlobStore } from './disk-blob-store.ts';
import { describeBlobStoreContract } from './testing/blob-contract.ts';

const root = mkdtempSync(join(tmpdir(), 'pigeon-blobs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describeBlobStoreContract('disk', () => createDiskBlobStore(mkdtempSync(join(root, 'store-'))));
