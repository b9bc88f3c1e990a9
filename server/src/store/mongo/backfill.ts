import { searchTokens } from '@pigeon/sync-protocol';
import type { AnyBulkWriteOperation, Document, Filter, FindCursor } from 'mongodb';
import { BULK_WRITE_CHUNK, chunkedBulkWrite } from './bulk-write.ts';
import type { MongoContext } from './context.ts';
import { searchDocOf, type MessageDoc, type UserDoc } from './documents.ts';

/**
 * Search fields for data stored before search (#18), filled in once when the store opens, so that
 * existing messages and people become searchable:
 *  - messages without `search` (documents.ts SearchDoc): the words of their current content (of
 *    `content` once acted on, [] once deleted for everyone), written with the same `$max` on the
 *    version as every other write of it, so a newer edit by a node already running wins;
 *  - users without `nameTokens`: the words of their display name.
 * One pass over each collection (a cursor: FerretDB decodes the whole collection for any filter
 * but `_id`, so paging with a filter would read it once per page), writes by `_id` in chunks.
 * Idempotent: a store that died half way fills in the rest at its next open. When a pass is
 * complete a `meta` marker is written and later opens skip it (delete the marker to run it again,
 * e.g. after running a version without search on the same database).
 */
const MARKER = 'search-backfill-v1';

export async function backfillSearch(ctx: MongoContext): Promise<{ messages: number; users: number }> {
  if (await ctx.meta.findOne({ _id: MARKER })) return { messages: 0, users: 0 };
  const users = await fill(
    ctx.users.find({ nameTokens: { $exists: false } } as Filter<UserDoc>, { projection: { displayName: 1 } }),
    (d: UserDoc): AnyBulkWriteOperation<UserDoc> => ({ updateOne: { filter: { _id: d._id }, update: { $set: { nameTokens: searchTokens(d.displayName) } } } }),
    (ops) => chunkedBulkWrite(ctx.users, ops, { ordered: false }),
  );
  // Message documents only: no receipt or action entry (`kind`), never system messages (not searched).
  const messages = await fill(
    ctx.messages.find({ search: { $exists: false }, kind: { $exists: false }, type: { $ne: 'system' }, seq: { $gt: 0 } } as Filter<MessageDoc>, {
      projection: { body: 1, content: 1 },
    }),
    (d: MessageDoc): AnyBulkWriteOperation<MessageDoc> => {
      const c = d.content;
      const search = c ? searchDocOf(c.version, c.body, c.deletedAt !== null) : searchDocOf(0, d.body, false);
      return { updateOne: { filter: { _id: d._id }, update: { $max: { search } } } };
    },
    (ops) => chunkedBulkWrite(ctx.messages, ops, { ordered: false }),
  );
  await ctx.meta.updateOne({ _id: MARKER }, { $setOnInsert: { since: new Date().toISOString() } }, { upsert: true });
  return { messages, users };
}

async function fill<D extends Document, O>(cursor: FindCursor<D>, op: (d: D) => O, write: (ops: O[]) => Promise<unknown>): Promise<number> {
  let ops: O[] = [];
  let n = 0;
  try {
    for await (const d of cursor) {
      ops.push(op(d));
      n++;
      if (ops.length >= BULK_WRITE_CHUNK) {
        await write(ops);
        ops = [];
      }
    }
    if (ops.length > 0) await write(ops);
  } finally {
    await cursor.close();
  }
  return n;
}
