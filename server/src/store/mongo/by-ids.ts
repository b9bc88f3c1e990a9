import type { Collection, Filter } from 'mongodb';
import type { MongoContext } from './context.ts';

/**
 * Up to this many documents are read one `_id` at a time on FerretDB. There a filter that is
 * exactly `{ _id: <string> }` is the only one passed down to SQLite (docs/operations.md): it
 * reads the table without decoding it (~4 ms at 2,000 documents), while `{ _id: { $in } }`
 * decodes every document (~0.3 s at 2,000, on a loaded 2-core machine; 5 ids one by one, side
 * by side: ~35 ms).
 */
export const ONE_BY_ONE_MAX = 16;

/**
 * The documents of `coll` with these `_id`s (those that exist, each once, in no particular
 * order). MongoDB: one `$in` on the `_id` index. FerretDB: one pushed-down read per id, side by
 * side, when there are few; each document is then read at its own instant, so callers must judge
 * each on its own (they do: receipts and the change feed decide per message).
 */
export async function findByIds<T extends { _id: string }>(ctx: Pick<MongoContext, 'server'>, coll: Collection<T>, ids: readonly string[]): Promise<T[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  if (unique.length === 1 || (ctx.server === 'ferretdb' && unique.length <= ONE_BY_ONE_MAX)) {
    const found = await Promise.all(unique.map((_id) => coll.find({ _id } as Filter<T>).toArray()));
    return found.flat() as T[];
  }
  return (await coll.find({ _id: { $in: unique } } as Filter<T>).toArray()) as T[];
}
