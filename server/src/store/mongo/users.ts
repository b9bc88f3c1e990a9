import { PigeonError, queryTerms, searchTokens } from '@pigeon/sync-protocol';
import { ObjectId, type Filter } from 'mongodb';
import type { NewUser, UserRecord } from '../store.ts';
import type { MongoContext } from './context.ts';
import { toUser, type UserDoc } from './documents.ts';
import { isDuplicateKey } from './errors.ts';
import { startsWith } from './search.ts';

export async function createUser(ctx: MongoContext, user: NewUser): Promise<UserRecord> {
  const doc: UserDoc = {
    _id: new ObjectId().toHexString(),
    username: user.username.toLowerCase(),
    displayName: user.displayName,
    displayNameLower: user.displayName.toLowerCase(),
    nameTokens: searchTokens(user.displayName),
    passwordHash: user.passwordHash,
    createdAt: new Date().toISOString(),
    lastSeen: null,
    about: '',
    avatar: null,
    profileVersion: 0,
  };
  try {
    await ctx.users.insertOne(doc);
  } catch (err) {
    if (isDuplicateKey(err)) throw new PigeonError('USERNAME_TAKEN', 'username is taken');
    throw err;
  }
  return toUser(doc);
}

export async function findUserByUsername(ctx: MongoContext, username: string): Promise<UserRecord | null> {
  const doc = await ctx.users.findOne({ username: username.toLowerCase() });
  return doc ? toUser(doc) : null;
}

export async function getUsers(ctx: MongoContext, ids: readonly string[]): Promise<UserRecord[]> {
  if (ids.length === 0) return [];
  const docs = await ctx.users.find({ _id: { $in: [...new Set(ids)] } }).toArray();
  const byId = new Map(docs.map((d) => [d._id, d]));
  return [...new Set(ids)].flatMap((id) => {
    const d = byId.get(id);
    return d ? [toUser(d)] : [];
  });
}

/**
 * Username prefix, or every word of the query starting some word of the display name (Store
 * searchUsers; search-text.ts). Anchored, case-sensitive regexes over lower-cased / folded
 * fields, so MongoDB turns each into index bounds (`username`, and the multikey `nameTokens`).
 */
export async function searchUsers(ctx: MongoContext, query: string, limit: number): Promise<UserRecord[]> {
  const prefix = query.trim().toLowerCase();
  const terms = queryTerms(query);
  const or = [
    ...(prefix.length > 0 ? [startsWith('username', prefix)] : []),
    ...(terms.length > 0 ? [{ $and: terms.map((t) => startsWith('nameTokens', t)) }] : []),
  ];
  if (or.length === 0 || limit <= 0) return [];
  const docs = await ctx.users
    .find((or.length === 1 ? or[0]! : { $or: or }) as Filter<UserDoc>)
    .sort({ username: 1 })
    .limit(limit)
    .toArray();
  return docs.map(toUser);
}

export async function setLastSeen(ctx: MongoContext, userId: string, at: string): Promise<void> {
  await ctx.users.updateOne({ _id: userId }, { $set: { lastSeen: at } });
}

export async function setPasswordHash(ctx: MongoContext, userId: string, passwordHash: string): Promise<void> {
  await ctx.users.updateOne({ _id: userId }, { $set: { passwordHash } });
}
