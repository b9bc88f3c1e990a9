import { createHash } from 'node:crypto';
import type { PushSubscriptionRecord } from '../store.ts';
import type { MongoContext } from './context.ts';
import { isDuplicateKey, upsertById } from './errors.ts';

/**
 * Web Push subscriptions (notification-records.ts), collection `push_subscriptions`. `_id` is a
 * hash of the endpoint, so an endpoint is stored at most once whoever holds it (it is the unique
 * index on the endpoint: endpoints run to 2 KiB, the hash keeps the key small) and every write is
 * by `_id`: the only filter FerretDB 1.x answers from an index, and upserts by `_id` work there.
 */
export interface PushSubscriptionDoc {
  _id: string;
  userId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  preview: boolean;
  savedAt: string;
  /**
   * Breaks ties of `savedAt` (two saves in one millisecond) when pruning: larger is later. From
   * this process's clock and a counter; across nodes `savedAt` decides.
   */
  order: number;
}

export const endpointId = (endpoint: string): string => createHash('sha256').update(endpoint).digest('base64url');

let counter = 0;
const nextOrder = (): number => Date.now() * 1000 + (counter++ % 1000);

export async function savePushSubscription(ctx: MongoContext, record: PushSubscriptionRecord, maxPerUser: number): Promise<{ created: boolean }> {
  const doc: PushSubscriptionDoc = {
    _id: endpointId(record.endpoint),
    userId: record.userId,
    endpoint: record.endpoint,
    p256dh: record.p256dh,
    auth: record.auth,
    preview: record.preview,
    savedAt: record.savedAt,
    order: nextOrder(),
  };
  let created = true;
  try {
    // New endpoint: the insert is the one atomic write FerretDB has.
    await ctx.pushSubscriptions.insertOne(doc);
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    // Known endpoint: replaced (moved to this user if another held it); new for this user only then.
    const before = await upsertById(() => ctx.pushSubscriptions.findOneAndReplace({ _id: doc._id }, doc, { upsert: true, returnDocument: 'before' }));
    created = before?.userId !== record.userId;
  }
  await prune(ctx, record.userId, maxPerUser);
  return { created };
}

/** Past `maxPerUser`, the user's least recently saved subscriptions go (a wiped browser never unsubscribed). */
async function prune(ctx: MongoContext, userId: string, maxPerUser: number): Promise<void> {
  const all = await ctx.pushSubscriptions.find({ userId }, { projection: { savedAt: 1, order: 1 } }).toArray();
  if (all.length <= maxPerUser) return;
  // Newest first; sorted here (at most maxPerUser + a few documents) rather than trusting two sort keys to the server.
  all.sort((a, b) => (a.savedAt !== b.savedAt ? (a.savedAt < b.savedAt ? 1 : -1) : (b.order ?? 0) - (a.order ?? 0)));
  const drop = all.slice(Math.max(0, maxPerUser)).map((d) => d._id);
  await ctx.pushSubscriptions.deleteMany({ _id: { $in: drop } });
}

export async function deletePushSubscription(ctx: MongoContext, userId: string, endpoint: string): Promise<boolean> {
  const { deletedCount } = await ctx.pushSubscriptions.deleteOne({ _id: endpointId(endpoint), userId });
  return deletedCount > 0;
}

export async function dropPushEndpoint(ctx: MongoContext, endpoint: string): Promise<void> {
  await ctx.pushSubscriptions.deleteOne({ _id: endpointId(endpoint) });
}

export async function pushSubscriptionsOf(ctx: MongoContext, userIds: readonly string[]): Promise<PushSubscriptionRecord[]> {
  const ids = [...new Set(userIds)];
  if (ids.length === 0) return [];
  const docs = await ctx.pushSubscriptions.find({ userId: ids.length === 1 ? ids[0]! : { $in: ids } }).toArray();
  return docs.map(toRecord);
}

const toRecord = (d: PushSubscriptionDoc): PushSubscriptionRecord => ({
  userId: d.userId,
  endpoint: d.endpoint,
  p256dh: d.p256dh,
  auth: d.auth,
  preview: d.preview,
  savedAt: d.savedAt,
});
