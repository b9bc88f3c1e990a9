/**
 * Message search on MongoDB (notification-records.ts `searchMessages`).
 *
 * This is the documented fallback for the missing text index: FerretDB 1.x (the Mongo-protocol
 * server the tests and small deployments run) has no `$text` and no text indexes. Each message
 * document keeps the words of its current body, `search.tokens` = `searchTokens(body)`
 * (search-text.ts: lower-cased, accents folded, the same words SQLite's FTS5 table and the device
 * index), under a multikey index; each query term is an anchored regex `^term` on that array, all
 * of them AND-ed. The same is used on a real MongoDB, on purpose: `$text` matches whole stemmed
 * words only and cannot match a prefix ("pho" must find "photo"), and its language stemming would
 * make MongoDB answer differently from SQLite and from the device. An anchored, case-sensitive
 * regex over lower-cased words is one index range per term on MongoDB (`^pho` → ["pho", "php")).
 *
 * Who sees what, as getHistory with a viewer: 1:1 conversations the user is in, and groups within
 * their membership periods (group-state.ts); never system messages, deleted-for-everyone ones
 * (their words are [] from the delete on, action-apply.ts) or ones the user hid.
 */
import { conversationMembers, matchesTerms, searchTokens, type Message } from '@pigeon/sync-protocol';
import type { Filter } from 'mongodb';
import type { MemberPeriod, SearchOptions } from '../store.ts';
import type { MongoContext } from './context.ts';
import { hiddenAtOf, messageFor } from './action-docs.ts';
import { toMessage, type MessageDoc } from './documents.ts';
import { caughtUp } from './entry-truth.ts';
import { isGroupId, membershipDocs, periodFilter, periodsByGroup, periodsFrom } from './group-state.ts';

/** Terms are letters and digits only (search-text.ts); escaped all the same, a regex is built from them. */
export const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** `field` (a string, or an array of them) has a value starting with `prefix`: anchored, so an index range. */
export const startsWith = (field: string, prefix: string): Filter<Record<string, unknown>> => ({ [field]: { $regex: `^${escapeRegex(prefix)}` } });

/** Pages read at most to fill `limit` after the checks against the entries (search below). */
const ROUNDS_MAX = 3;

export async function searchMessages(ctx: MongoContext, userId: string, terms: readonly string[], options: SearchOptions): Promise<Message[]> {
  if (terms.length === 0 || options.limit <= 0) return [];
  const scopes = await scopesOf(ctx, userId, options.conversationId);
  if (scopes.length === 0) return [];
  const words = terms.map((t) => startsWith('search.tokens', t));
  // Every scope carries the terms itself, so each `$or` branch is one range of (conversationId, search.tokens).
  const visible = { [`hidden.${userId}`]: { $exists: false }, 'content.deletedAt': null, type: { $ne: 'system' } };
  const branches = scopes.map((s) => ({ ...s, ...visible, $and: words }));
  const base: Filter<MessageDoc> = (branches.length === 1 ? branches[0]! : { $or: branches }) as Filter<MessageDoc>;

  const out: Message[] = [];
  let after: MessageDoc | null = null;
  for (let round = 0; round < ROUNDS_MAX && out.length < options.limit; round++) {
    const filter: Filter<MessageDoc> = after
      ? { $and: [base, { $or: [{ createdAt: { $lt: after.createdAt } }, { createdAt: after.createdAt, _id: { $lt: after._id } }] }] }
      : base;
    const want = options.limit - out.length;
    const docs = await ctx.messages.find(filter).sort({ createdAt: -1, _id: -1 }).limit(want).toArray();
    // The entries are the truth (entry-truth.ts): a document behind them (a node died between an
    // action's entry and its update; on FerretDB an update undone by a concurrent one) may still
    // carry the words of an older body, or miss the user's hide or a delete. Checked again here.
    for (const d of await caughtUp(ctx, docs, [userId])) {
      const m = toMessage(d);
      if (m.type !== 'system' && m.deletedAt === null && !hiddenAtOf(d, userId) && matchesTerms(searchTokens(m.body), terms)) out.push(messageFor(d, userId));
    }
    if (docs.length < want) break;
    after = docs[docs.length - 1]!;
  }
  return out;
}

/**
 * Where the user may find messages, as filters: their 1:1 conversations (one `$in`), and each
 * group they were ever in, kept to their periods. Only `conversationId` when it is given (and theirs).
 */
async function scopesOf(ctx: MongoContext, userId: string, conversationId?: string): Promise<Record<string, unknown>[]> {
  if (conversationId !== undefined) {
    if (isGroupId(conversationId)) return groupScopes(new Map([[conversationId, periodsFrom(await membershipDocs(ctx, userId, conversationId))]]));
    return conversationMembers(conversationId)?.includes(userId) ? [{ conversationId }] : [];
  }
  const [direct, groups] = await Promise.all([
    ctx.conversations.find({ members: userId }, { projection: { _id: 1 } }).toArray(),
    periodsByGroup(ctx, userId),
  ]);
  const ids = direct.map((c) => c._id);
  const scopes: Record<string, unknown>[] = ids.length === 0 ? [] : [{ conversationId: ids.length === 1 ? ids[0]! : { $in: ids } }];
  return [...scopes, ...groupScopes(groups)];
}

function groupScopes(periods: ReadonlyMap<string, MemberPeriod[]>): Record<string, unknown>[] {
  return [...periods].filter(([, ps]) => ps.length > 0).map(([conversationId, ps]) => ({ conversationId, $or: periodFilter('seq', ps) }));
}
