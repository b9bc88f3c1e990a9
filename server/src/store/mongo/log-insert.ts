import { PigeonError } from '@pigeon/sync-protocol';
import type { MongoContext } from './context.ts';
import type { LogDoc } from './documents.ts';
import { refusedAsDuplicates } from './errors.ts';

/**
 * How long one call keeps losing races (see insertNumbered) before it answers UNAVAILABLE:
 * a time, not a count of rounds, because a round is a few milliseconds on MongoDB and can
 * be a second on a loaded FerretDB, whose reads scan the collection. Meanwhile this
 * process's other writes wait (the write lane), and a client's ack times out after 5 s.
 */
export const CONTENTION_BUDGET_MS = 5_000;
/** The longest wait after the first lost race, then doubled after each further one, up to BACKOFF_MAX_MS. */
export const BACKOFF_FIRST_MS = 5;
export const BACKOFF_MAX_MS = 250;

export interface LogInsertResult<T extends LogDoc> {
  /** Inserted by this call, with the numbers they were stored under. */
  inserted: T[];
  /** The stored copies of those that were stored already (a resend, a receipt logged before, another node's copy). */
  stored: T[];
}

/**
 * Inserts documents into the `messages` log in order, numbering them as it goes: each gets
 * the next change-log position, and (with `seqs`) the next seq of its conversation. The
 * numbers are guesses (numbering.ts); the unique indexes decide. An ordered insert stops at
 * its first refusal, so everything before it is stored and nothing after it is:
 *  - a refused document whose `_id` is stored already is a duplicate: it is dropped, and the
 *    rest moves down into the numbers it leaves free;
 *  - otherwise another node took its position or its seq: the guesses are read again from
 *    the committed documents and the rest is numbered from there.
 * The first such refusal of a call is usually a stale guess (another node wrote since this
 * process last did), so the numbers are read again at once. Every later one is a lost race:
 * numbers just read were taken before the insert landed. The call then waits a random time,
 * up to a bound that doubles with each lost race (BACKOFF_FIRST_MS up to BACKOFF_MAX_MS),
 * before it reads again, so calls that keep refusing each other spread out instead of reading
 * and colliding in step again; the wait comes before the read, so the numbers inserted are as
 * fresh as without it. When the next wait would end past CONTENTION_BUDGET_MS, the call
 * answers UNAVAILABLE instead (what it inserted before stays inserted).
 * Waiting does not help against a node that inserts back to back: its guesses follow its own
 * commits, so it reads nothing between inserts and takes the numbers of any slower
 * read-then-insert round until it pauses (docs/architecture.md, "Groups"). The budget bounds
 * how long a call waits for that.
 * Nothing is ever allocated ahead of its insert (a call that waits holds no number), so a
 * process that dies at any instant leaves no hole in the seqs and no position that a later
 * insert could fill behind a reader.
 */
export async function insertNumbered<T extends LogDoc>(
  ctx: MongoContext,
  docs: readonly T[],
  options: {
    seqs: boolean;
    beforeInsert?: (docs: readonly T[]) => Promise<void>;
    /**
     * Called before each numbering (the first, and after every refusal) with what is left to
     * insert; returns what may be inserted now (some dropped or rewritten). Group writes
     * check membership and rules here (group-sends.ts, groups.ts): the next seq of each
     * conversation is then one past a committed seq, the state they check is that seq's, and
     * an insert that lands proves nothing came in between.
     */
    admit?: (docs: readonly T[]) => Promise<T[]>;
  },
): Promise<LogInsertResult<T>> {
  const inserted: T[] = [];
  const stored: T[] = [];
  const storedIds = new Set<string>();
  const admit = async (d: readonly T[]): Promise<readonly T[]> => (options.admit && d.length > 0 ? options.admit(d) : d);
  let rest = await renumber(ctx, await admit(docs), options.seqs);
  await options.beforeInsert?.(rest);
  const deadline = Date.now() + CONTENTION_BUDGET_MS;
  // Refusals by another node's insert so far; all but the first were lost races.
  let taken = 0;
  while (rest.length > 0) {
    const failedAt = await insertUntilRefused(ctx, rest);
    const done = failedAt === null ? rest : rest.slice(0, failedAt);
    inserted.push(...done);
    ctx.numbering.committed(done);
    if (failedAt === null) break;

    rest = rest.slice(failedAt);
    // One lookup for everything left: a resend rarely comes alone (a reconnecting client
    // resends its outbox), and on FerretDB every lookup but an insert scans the collection.
    const ids = rest.map((d) => d._id);
    const found = (await ctx.log.find({ _id: ids.length === 1 ? ids[0]! : { $in: ids } }).toArray()) as T[];
    for (const f of found) {
      storedIds.add(f._id);
      stored.push(f);
    }
    const refused = rest[0]!;
    if (!storedIds.has(refused._id)) {
      // Not a duplicate, so another node took its position or its seq, and has probably
      // written more since: look again, for every conversation left, in one go; after a
      // lost race, once a jittered backoff has passed.
      const lostRaces = taken++;
      if (lostRaces > 0) {
        const wait = Math.random() * backoffBound(lostRaces);
        if (Date.now() + wait > deadline) {
          throw new PigeonError('UNAVAILABLE', 'writes kept colliding with other nodes; retry', { left: rest.length });
        }
        await new Promise((r) => setTimeout(r, wait));
      }
      const conversations = options.seqs ? [...new Set(rest.map((d) => d.conversationId))] : [];
      await Promise.all([ctx.numbering.refreshPosition(), ...conversations.map((c) => ctx.numbering.refreshSeq(c))]);
    }
    rest = await renumber(ctx, await admit(rest.filter((d) => !storedIds.has(d._id))), options.seqs);
  }
  return { inserted, stored };
}

/** The longest wait before reading again after the `lostRaces`th lost race of a call (1, 2, …). */
export function backoffBound(lostRaces: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (lostRaces - 1));
}

/** Copies of `docs` numbered from the current guesses: consecutive positions, consecutive seqs per conversation. */
async function renumber<T extends LogDoc>(ctx: MongoContext, docs: readonly T[], seqs: boolean): Promise<T[]> {
  if (docs.length === 0) return [];
  let position = await ctx.numbering.nextPosition();
  const nextSeq = new Map<string, number>();
  const out: T[] = [];
  for (const d of docs) {
    const changePos = position++;
    if (!seqs) {
      out.push({ ...d, changePos, lastChangePos: changePos });
      continue;
    }
    const seq = nextSeq.get(d.conversationId) ?? (await ctx.numbering.nextSeq(d.conversationId));
    nextSeq.set(d.conversationId, seq + 1);
    out.push({ ...d, changePos, lastChangePos: changePos, seq });
  }
  return out;
}

/** Returns the index of the first document refused by a unique index (none after it was inserted), or null. */
async function insertUntilRefused(ctx: MongoContext, docs: readonly LogDoc[]): Promise<number | null> {
  try {
    await ctx.log.insertMany(docs as LogDoc[], { ordered: true });
    return null;
  } catch (err) {
    return Math.min(...refusedAsDuplicates(err));
  }
}
