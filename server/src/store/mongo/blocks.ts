import type { MongoContext } from './context.ts';
import { isDuplicateKey } from './errors.ts';

const blockId = (blockerId: string, blockedId: string) => `${blockerId}:${blockedId}`;

/** An insert, not an upsert: atomic on FerretDB too, and a repeat keeps the first time. */
export async function blockUser(ctx: MongoContext, blockerId: string, blockedId: string, at: string): Promise<void> {
  try {
    await ctx.blocks.insertOne({ _id: blockId(blockerId, blockedId), blockerId, blockedId, createdAt: at });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}

export async function unblockUser(ctx: MongoContext, blockerId: string, blockedId: string): Promise<void> {
  await ctx.blocks.deleteOne({ _id: blockId(blockerId, blockedId) });
}

export async function blockedBy(ctx: MongoContext, userId: string): Promise<string[]> {
  const docs = await ctx.blocks.find({ blockerId: userId }).sort({ createdAt: 1, blockedId: 1 }).toArray();
  return docs.map((d) => d.blockedId);
}

export async function blockersOf(ctx: MongoContext, userId: string): Promise<string[]> {
  const docs = await ctx.blocks.find({ blockedId: userId }).sort({ blockerId: 1 }).toArray();
  return docs.map((d) => d.blockerId);
}

export async function isBlockedEitherWay(ctx: MongoContext, a: string, b: string): Promise<boolean> {
  const found = await ctx.blocks.findOne({ _id: { $in: [blockId(a, b), blockId(b, a)] } }, { projection: { _id: 1 } });
  return found !== null;
}
