import { searchTokens } from '@pigeon/sync-protocol';
import type { AnyBulkWriteOperation, Document, Filter, FindCursor } from 'mongodb';
import { BULK_WRITE_CHUNK, chunkedBulkWrite } from './bulk-write.ts';
import type { MongoContext } from './context.ts';
import { upsertById } from './errors.ts';
import { searchDocOf, type MessageDoc, type UserDoc } from './documents.ts';

/**
 * Search fields for data stored before search (#18), filled in once when the store opens, so that
 * existing messages and people become searchable:
 *  - messages without `search` (documents.ts SearchDoc): the words of their current content (of
 *    `content` once acted on, [] once deleted for everyone), written with the same `$max` on the
 *    version as every other write of it, so a newer edit by a node already running wins;
 *  - users without `nameTokens`: the words of their display name.
 * One pass over each collection (a cursor: FerretDB decodes the whole collection for any filter
 * but `_id`, so paging with a filter would read it once per page), then writes by `_id` in chunks.
 * It runs in the background of an open store (mongo-store.ts), since it can take long: FerretDB
 * 1.24 updates a message document in ~40 ms (600 messages: ~25 s); MongoDB does thousands a
 * second. Until it is done, older messages are not found yet; nothing else waits for it.
 * Idempotent: a store closed or dead half way fills in the rest at its next open. When a pass is
 * complete a `meta` marker is written and later opens skip it (delete the marker to run it again,
 * e.g. after running a version without search on the same database).
 */
const MARKER = 'search-backfill-v1';

export interface BackfillResult {
  messages: number;
  users: number;
  /** Stopped by `stop` (the store closed) before the end: no marker written. */
  stopped: boolean;
}

/** `stop`: asked between chunks; true ends the pass there (the next open goes on). */
export async function backfillSearch(ctx: MongoContext, stop: () => boolean = () => false): Promise<BackfillResult> {
  if (await ctx.meta.findOne({ _id: MARKER })) return { messages: 0, users: 0, stopped: false };
  const users = await fill(
    ctx.users.find({ nameTokens: { $exists: false } } as Filter<UserDoc>, { projection: { displayName: 1 } }),
    (d: UserDoc): AnyBulkWriteOperation<UserDoc> => ({ updateOne: { filter: { _id: d._id }, update: { $set: { nameTokens: searchTokens(d.displayName) } } } }),
    (ops) => chunkedBulkWrite(ctx.users, ops, { ordered: false }),
    stop,
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
    stop,
  );
  if (stop()) return { messages, users, stopped: true };
  await upsertById(() => ctx.meta.updateOne({ _id: MARKER }, { $setOnInsert: { since: new Date().toISOString() } }, { upsert: true }));
  return { messages, users, stopped: false };
}

/** The writes for every document of the cursor, in chunks; how many were written. */
async function fill<D extends Document, O>(cursor: FindCursor<D>, op: (d: D) => O, write: (ops: O[]) => Promise<unknown>, stop: () => boolean): Promise<number> {
  let ops: O[] = [];
  let n = 0;
  try {
    for await (const d of cursor) {
      if (stop()) return n;
      ops.push(op(d));
      if (ops.length >= BULK_WRITE_CHUNK) {
        await write(ops);
        n += ops.length;
        ops = [];
      }
    }
  } finally {
    await cursor.close();
  }
  if (ops.length > 0 && !stop()) {
    await write(ops);
    n += ops.length;
  }
  return n;
}
