import { PigeonError } from '@pigeon/sync-protocol';
import { MongoBulkWriteError } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MongoContext } from './context.ts';
import type { LogDoc } from './documents.ts';
import { DUPLICATE_KEY } from './errors.ts';
import { backoffBound, BACKOFF_MAX_MS, CONTENTION_BUDGET_MS, insertNumbered } from './log-insert.ts';
import { Numbering } from './numbering.ts';

/**
 * insertNumbered against an in-memory change log with the store's three unique indexes
 * (`_id`, `changePos`, `(conversationId, seq)`), and a rival node whose inserts land in
 * between this one's reads and inserts. Timers and Date are fake, so the waits between
 * rounds are read off the clock, exactly, and no test waits for real time.
 */
class FakeLog {
  readonly docs: LogDoc[] = [];
  /** The fake time of each insertMany of the call under test. */
  readonly attempts: number[] = [];
  /** Runs before each document of an insertMany is inserted: a rival may commit there. */
  beforeDoc: () => void = () => {};

  async insertMany(docs: LogDoc[], options: { ordered: boolean }): Promise<void> {
    expect(options.ordered).toBe(true);
    this.attempts.push(Date.now());
    for (const [index, doc] of docs.entries()) {
      this.beforeDoc();
      if (this.clashes(doc)) {
        // As the driver reports an ordered insert stopped by a unique index.
        throw new MongoBulkWriteError({ message: 'E11000 duplicate key error', code: DUPLICATE_KEY, writeErrors: [{ index, code: DUPLICATE_KEY }] } as never, {} as never);
      }
      this.docs.push(doc);
    }
  }

  /** Commits a document the way another node would: one past the committed top. */
  rivalCommits(conversationId: string): void {
    const changePos = this.top('changePos', () => true) + 1;
    const seq = this.top('seq', (d) => d.conversationId === conversationId) + 1;
    this.docs.push(doc(`rival-${changePos}`, conversationId, { changePos, seq }));
  }

  /** The subset of find() the store uses here: by `_id`, and the largest position or seq (numbering.ts). */
  find(filter: { _id?: string | { $in: string[] }; conversationId?: string }) {
    const ids = filter._id === undefined ? null : typeof filter._id === 'string' ? [filter._id] : filter._id.$in;
    const found = this.docs.filter((d) => (ids === null || ids.includes(d._id)) && (filter.conversationId === undefined || d.conversationId === filter.conversationId));
    const cursor = {
      sort: (by: Record<string, 1 | -1>) => {
        const [key, dir] = Object.entries(by)[0] as [keyof LogDoc, number];
        found.sort((a, b) => ((a[key] as number) - (b[key] as number)) * dir);
        return cursor;
      },
      limit: (n: number) => {
        found.splice(n);
        return cursor;
      },
      toArray: async () => found.map((d) => ({ ...d })),
    };
    return cursor;
  }

  private clashes(d: LogDoc): boolean {
    return this.docs.some((o) => o._id === d._id || o.changePos === d.changePos || (o.conversationId === d.conversationId && o.seq === d.seq));
  }

  private top(key: 'changePos' | 'seq', where: (d: LogDoc) => boolean): number {
    return Math.max(0, ...this.docs.filter(where).map((d) => d[key]));
  }
}

function doc(_id: string, conversationId: string, numbers = { changePos: 0, seq: 0 }): LogDoc {
  return { _id, conversationId, senderId: 's', recipientId: 'r', clientId: _id, createdAt: '2024-01-01T00:00:00.000Z', ...numbers };
}

/** A node's context on the shared log: its own guesses, the shared collection. */
function node(log: FakeLog): MongoContext {
  const collection = log as unknown as MongoContext['messages'];
  return { log: collection, messages: collection, numbering: new Numbering({ messages: collection }) } as unknown as MongoContext;
}

/** Runs the fake timers until `call` settles. */
async function settle<T>(call: Promise<T>): Promise<T> {
  let done = false;
  call.then(
    () => (done = true),
    () => (done = true),
  );
  while (!done) await vi.advanceTimersToNextTimerAsync();
  return call;
}

const gaps = (times: readonly number[]) => times.slice(1).map((t, i) => t - times[i]!);

describe('insertNumbered under contention', () => {
  const JITTER = 0.8;

  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(JITTER);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('reads again at once after a stale guess, then waits a jittered, doubling, capped time after each lost race', async () => {
    const log = new FakeLog();
    const ctx = node(log);
    log.rivalCommits('c');
    await ctx.numbering.refreshPosition();
    await ctx.numbering.refreshSeq('c');
    // The rival takes the numbers this node is about to insert, 12 times in a row.
    let rivalRounds = 12;
    log.beforeDoc = () => {
      if (rivalRounds-- > 0) log.rivalCommits('c');
    };
    const { inserted } = await settle(insertNumbered(ctx, [doc('mine', 'c')], { seqs: true }));

    expect(inserted.map((d) => [d.changePos, d.seq])).toEqual([[14, 14]]);
    // 13 attempts: the first refusal (a stale guess) is read again at once; the 11 lost races
    // after it each wait JITTER × a bound doubling from BACKOFF_FIRST_MS up to BACKOFF_MAX_MS.
    expect(log.attempts).toHaveLength(13);
    const waits = Array.from({ length: 11 }, (_, i) => JITTER * backoffBound(i + 1));
    expect(gaps(log.attempts)).toEqual([0, ...waits]);
    expect(waits.at(-1)).toBe(JITTER * BACKOFF_MAX_MS);
    expect(waits.slice(1).every((w, i) => w >= waits[i]!)).toBe(true);
  });

  it('is bounded by time, not rounds: 60 lost races in a row, then it lands right after the rival, gap-free', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.02);
    const log = new FakeLog();
    const ctx = node(log);
    let rivalRounds = 60;
    log.beforeDoc = () => {
      if (rivalRounds-- > 0) log.rivalCommits('c');
    };
    const start = Date.now();
    const { inserted } = await settle(insertNumbered(ctx, [doc('a', 'c'), doc('b', 'c')], { seqs: true }));

    expect(Date.now() - start).toBeLessThan(CONTENTION_BUDGET_MS);
    expect(inserted.map((d) => [d._id, d.changePos, d.seq])).toEqual([
      ['a', 61, 61],
      ['b', 62, 62],
    ]);
    expect(log.docs.map((d) => d.changePos).sort((x, y) => x - y)).toEqual(Array.from({ length: 62 }, (_, i) => i + 1));
    expect(log.docs.map((d) => d.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 62 }, (_, i) => i + 1));
  });

  it('answers UNAVAILABLE when the next wait would end past the budget, keeping what it inserted', async () => {
    const log = new FakeLog();
    const ctx = node(log);
    // The first document lands; from then on the rival commits right before every insert.
    let first = true;
    log.beforeDoc = () => {
      if (!first) log.rivalCommits('c');
      first = false;
    };
    const start = Date.now();
    const call = settle(insertNumbered(ctx, [doc('a', 'c'), doc('b', 'c'), doc('d', 'c')], { seqs: true }));

    const err = await call.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PigeonError);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', details: { left: 2 } });
    // It used its budget, spaced out, and did not sleep past it.
    const spent = Date.now() - start;
    expect(spent).toBeGreaterThan(CONTENTION_BUDGET_MS - BACKOFF_MAX_MS);
    expect(spent).toBeLessThanOrEqual(CONTENTION_BUDGET_MS);
    expect(log.docs.find((d) => d._id === 'a')).toMatchObject({ changePos: 1, seq: 1 });
    expect(log.docs.filter((d) => d._id === 'b' || d._id === 'd')).toEqual([]);
  });

  it('a duplicate is not a lost race: it is dropped and the rest moves down, without a wait', async () => {
    const log = new FakeLog();
    const ctx = node(log);
    await insertNumbered(ctx, [doc('a', 'c')], { seqs: true });
    // Another node stored 'b' since; this node's guesses do not know it.
    log.rivalCommits('c');
    log.docs[1] = { ...log.docs[1]!, _id: 'b' };
    log.attempts.length = 0;
    const { inserted, stored } = await settle(insertNumbered(ctx, [doc('b', 'c'), doc('d', 'c')], { seqs: true }));

    expect(stored.map((d) => d._id)).toEqual(['b']);
    expect(inserted.map((d) => [d._id, d.changePos, d.seq])).toEqual([['d', 3, 3]]);
    // Refused as a duplicate at once ('b' took position 2), then a stale guess for 'd' (read again at once).
    expect(gaps(log.attempts).every((g) => g === 0)).toBe(true);
  });
});
