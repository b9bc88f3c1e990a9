/**
 * The BlobStore contract on GridFS, plus what only GridFS staging has: parts in a collection,
 * so a resumed upload may land on another node (another store over the same database), and two
 * nodes appending at once are told apart by the part they both try to write.
 *
 * This file is in vitest's `store` project (vitest.config.ts), whose global setup provides the
 * Mongo-protocol server (`mongoUri`: MONGODB_URI or FerretDB); run outside it, it starts its own
 * FerretDB the way tests/setup/mongo.ts does. Skipped (loudly) with PIGEON_TEST_MONGO=0.
 */
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { PigeonError } from '@pigeon/sync-protocol';
import { Binary, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ferretdbBinary, startFerretDb, startWithPortRetry, type Service } from '../../../tests/setup/services.ts';
import type { BlobStore } from './blob-store.ts';
import { createGridFsBlobStore, partId } from './gridfs-blob-store.ts';
import { describeBlobStoreContract } from './testing/blob-contract.ts';

const skip = process.env.PIGEON_TEST_MONGO === '0' && !process.env.MONGODB_URI;
if (skip) console.warn('[GridFS BlobStore] SKIPPED: PIGEON_TEST_MONGO=0 and no MONGODB_URI');

let service: Service | null = null;
let client: MongoClient;
const dbName = `pigeon_blobs_${process.pid}_${Date.now().toString(36)}`;
let dbCounter = 0;

beforeAll(async () => {
  if (skip) return;
  let uri = process.env.MONGODB_URI ?? (inject('mongoUri') as string | null | undefined) ?? undefined;
  if (!uri) {
    const bin = ferretdbBinary();
    service = await startWithPortRetry((port) => startFerretDb(bin, port));
    uri = service.url;
  }
  client = new MongoClient(uri);
  await client.connect();
}, 120_000);

afterAll(async () => {
  if (skip) return;
  for (let i = 1; i <= dbCounter; i++) await client.db(`${dbName}_${i}`).dropDatabase().catch(() => {});
  await client.close();
  await service?.stop();
});

const freshDb = () => client.db(`${dbName}_${++dbCounter}`);
const bodyOf = (bytes: Buffer | string): Readable => new PassThrough().end(Buffer.from(bytes));
async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(parts);
}

describe.skipIf(skip)('GridFS BlobStore', () => {
  describeBlobStoreContract('gridfs', () => createGridFsBlobStore(freshDb()));
  // Smaller parts than GridFS chunks: the cut at 70,000 bytes and resumes cross a part seam, and
  // a commit re-cuts parts into chunks of another size.
  describeBlobStoreContract('gridfs, 64 KiB parts', () => createGridFsBlobStore(freshDb(), { partBytes: 64 * 1024 }));

  describe('two nodes over one database', () => {
    const pair = (): [BlobStore, BlobStore] => {
      const db = freshDb();
      return [createGridFsBlobStore(db, { partBytes: 1024 }), createGridFsBlobStore(client.db(db.databaseName), { partBytes: 1024 })];
    };

    it('an upload cut on one node resumes on the other, and commits there', async () => {
      const [a, b] = pair();
      const bytes = randomBytes(10_000);
      const cut = new Error('cut');
      let sent = false;
      const body = new Readable({
        read() {
          if (!sent) {
            sent = true;
            this.push(bytes.subarray(0, 4_500));
          } else this.destroy(cut);
        },
      });
      await expect(a.append('u.c1', 0, bytes.length, body)).rejects.toBe(cut);
      expect(await b.staged('u.c1')).toEqual({ offset: 4_500, size: 10_000 });
      expect(await b.append('u.c1', 4_500, bytes.length, bodyOf(bytes.subarray(4_500)))).toEqual({ offset: 10_000, size: 10_000 });
      expect(await b.commit('u.c1', 'blob1')).toEqual({ size: 10_000, sha256: createHash('sha256').update(bytes).digest('hex') });
      expect((await collect(await a.read('blob1', { start: 4_000, end: 5_999 }))).equals(bytes.subarray(4_000, 6_000))).toBe(true);
      expect(await a.staged('u.c1')).toBeNull();
    });

    it('two nodes appending the same bytes at once: one stores them, the other is CONFLICT; nothing is stored twice', async () => {
      const [a, b] = pair();
      const bytes = randomBytes(8_000);
      await a.append('u.c2', 0, bytes.length, bodyOf(bytes.subarray(0, 1_000)));
      const outcomes = await Promise.allSettled([a, b].map((s) => s.append('u.c2', 1_000, bytes.length, bodyOf(bytes.subarray(1_000)))));
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.reason).toBeInstanceOf(PigeonError);
      expect((lost[0]!.reason as PigeonError).code).toBe('CONFLICT');
      expect(await a.staged('u.c2')).toEqual({ offset: 8_000, size: 8_000 });
      expect((await collect(b.readStaged('u.c2'))).equals(bytes)).toBe(true);
    });

    it('where an upload stands is its last part: a part written by a node that died right after still counts', async () => {
      const db = freshDb();
      const a = createGridFsBlobStore(db, { partBytes: 1024 });
      const bytes = randomBytes(3_000);
      await a.append('u.c3', 0, 3_000, bodyOf(bytes.subarray(0, 2_048)));
      // Part 2, as a node writes it before dying (its append never answered).
      await db.collection('attachments.staging').insertOne({ _id: partId('u.c3', 2) as never, key: 'u.c3', n: 2, end: 2_500, data: new Binary(bytes.subarray(2_048, 2_500)) });
      expect(await a.staged('u.c3')).toEqual({ offset: 2_500, size: 3_000 });
      expect(await a.append('u.c3', 2_500, 3_000, bodyOf(bytes.subarray(2_500)))).toEqual({ offset: 3_000, size: 3_000 });
      expect((await collect(a.readStaged('u.c3'))).equals(bytes)).toBe(true);
    });
  });
});
