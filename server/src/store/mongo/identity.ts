import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import { isDuplicateKey } from './errors.ts';

interface IdentityDoc {
  _id: 'store-identity';
  value: string;
}

/**
 * The database's identity (Store.storeIdentity): made by the first process that asks, kept in
 * `meta`. An insert into the `_id` index is atomic on FerretDB as on MongoDB, so of two
 * processes asking at once exactly one creates it and both read the same value.
 */
export async function storeIdentity(db: Db): Promise<string> {
  const meta = db.collection<IdentityDoc>('meta');
  try {
    await meta.insertOne({ _id: 'store-identity', value: randomUUID() });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  const doc = await meta.findOne({ _id: 'store-identity' });
  if (!doc) throw new Error('store identity missing right after it was written');
  return doc.value;
}
