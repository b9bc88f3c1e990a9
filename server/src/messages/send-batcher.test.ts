import { describe, expect, it } from 'vitest';
import { SendBatcher } from './send-batcher.ts';

/** A commit function whose calls the test resolves by hand. */
function manualCommit() {
  const calls: { batch: number[]; finish(fail?: unknown): void }[] = [];
  const commit = (batch: readonly number[]) =>
    new Promise<string[]>((resolve, reject) => {
      calls.push({ batch: [...batch], finish: (fail) => (fail ? reject(fail) : resolve(batch.map((n) => `m${n}`))) });
    });
  return { calls, commit };
}

/** A few event-loop turns: enough for a commit's continuation to schedule and start the next batch. */
const tick = async () => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
};

describe('SendBatcher', () => {
  it('groups sends of one turn into one commit and keeps one batch in flight', async () => {
    const { calls, commit } = manualCommit();
    const b = new SendBatcher<number, string>({ commit });
    const first = [1, 2, 3].map((n) => b.enqueue(n));
    await tick();
    expect(calls.map((c) => c.batch)).toEqual([[1, 2, 3]]);

    // Arrive while the first batch is in flight: no second commit yet.
    const second = [4, 5].map((n) => b.enqueue(n));
    await tick();
    expect(calls).toHaveLength(1);

    calls[0]!.finish();
    expect(await Promise.all(first)).toEqual(['m1', 'm2', 'm3']);
    await tick();
    expect(calls.map((c) => c.batch)).toEqual([[1, 2, 3], [4, 5]]);
    calls[1]!.finish();
    expect(await Promise.all(second)).toEqual(['m4', 'm5']);
    expect(b.stats).toMatchObject({ batches: 2, sends: 5, largestBatch: 3 });
    expect(b.stats.commitMs).toBeGreaterThanOrEqual(0);
  });

  it('with maxInFlight 2, starts a second batch while the first commits, never a third', async () => {
    const { calls, commit } = manualCommit();
    const b = new SendBatcher<number, string>({ commit, maxInFlight: 2 });
    const first = b.enqueue(1);
    await tick();
    const second = b.enqueue(2);
    await tick();
    const third = b.enqueue(3);
    await tick();
    expect(calls.map((c) => c.batch)).toEqual([[1], [2]]);

    // The second finishes first: its sends are answered at once, and the third batch may start.
    calls[1]!.finish();
    expect(await second).toBe('m2');
    await tick();
    expect(calls.map((c) => c.batch)).toEqual([[1], [2], [3]]);
    calls[0]!.finish();
    calls[2]!.finish();
    expect(await Promise.all([first, third])).toEqual(['m1', 'm3']);
    await b.drain();
  });

  it('caps a batch at maxBatch', async () => {
    const { calls, commit } = manualCommit();
    const b = new SendBatcher<number, string>({ commit, maxBatch: 2 });
    const all = [1, 2, 3, 4, 5].map((n) => b.enqueue(n));
    await tick();
    calls[0]!.finish();
    await tick();
    calls[1]!.finish();
    await tick();
    calls[2]!.finish();
    expect(await Promise.all(all)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(calls.map((c) => c.batch)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('retries a failed batch send by send, so one bad send fails alone', async () => {
    const errors: number[] = [];
    const b = new SendBatcher<number, string>({
      commit: async (batch) => {
        if (batch.includes(13)) throw new Error('poison');
        return batch.map((n) => `m${n}`);
      },
      onBatchError: (_e, size) => errors.push(size),
    });
    const results = await Promise.allSettled([1, 13, 2].map((n) => b.enqueue(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(errors).toEqual([3]);
  });

  it('rejects on an outcome count mismatch instead of acking the wrong message', async () => {
    const b = new SendBatcher<number, string>({ commit: async () => [] });
    await expect(b.enqueue(1)).rejects.toThrow(/outcomes/);
  });

  it('drain waits for queued and in-flight sends; close refuses new ones', async () => {
    const { calls, commit } = manualCommit();
    const b = new SendBatcher<number, string>({ commit });
    const p1 = b.enqueue(1);
    await tick();
    const p2 = b.enqueue(2);
    b.close();
    await expect(b.enqueue(3)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    let drained = false;
    const d = b.drain().then(() => (drained = true));
    calls[0]!.finish();
    await p1;
    await tick();
    expect(drained).toBe(false);
    calls[1]!.finish();
    await d;
    expect(await p2).toBe('m2');
    expect(drained).toBe(true);
  });

  it('abort fails queued sends without committing them', async () => {
    const { calls, commit } = manualCommit();
    const b = new SendBatcher<number, string>({ commit });
    const p1 = b.enqueue(1);
    await tick();
    const p2 = b.enqueue(2);
    b.abort();
    await expect(p2).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    calls[0]!.finish();
    expect(await p1).toBe('m1');
    await b.drain();
    expect(calls).toHaveLength(1);
  });

  describe('enqueueRun (batched sends)', () => {
    it('keeps a run in one commit, past maxBatch, so a second batch in flight cannot store its tail first', async () => {
      const { calls, commit } = manualCommit();
      const b = new SendBatcher<number, string>({ commit, maxBatch: 2, maxInFlight: 2 });
      const single = b.enqueue(0);
      const run = b.enqueueRun([1, 2, 3]);
      const after = b.enqueue(4);
      await tick();
      expect(calls.map((c) => c.batch)).toEqual([[0, 1, 2, 3]]);
      calls[0]!.finish();
      await tick();
      expect(calls.map((c) => c.batch)).toEqual([[0, 1, 2, 3], [4]]);
      calls[1]!.finish();
      expect(await Promise.all([single, ...run, after])).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    });

    it('retried one by one after a failed commit, the first send of a run that fails again ends the run', async () => {
      let calls = 0;
      const tried: number[][] = [];
      const b = new SendBatcher<number, string>({
        onBatchError: () => {},
        commit: async (batch) => {
          calls++;
          tried.push([...batch]);
          if (calls === 1 || batch[0] === 2) throw new Error(`store down at ${batch[0]}`);
          return batch.map((n) => `m${n}`);
        },
      });
      const other = b.enqueue(9);
      const run = b.enqueueRun([1, 2, 3]);
      const settled = await Promise.allSettled([other, ...run]);
      expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual(['m9', 'm1', 'store down at 2', 'store down at 2']);
      // 3 was never tried: storing it after 2 failed would put it before 2, whose retry comes later.
      expect(tried).toEqual([[9, 1, 2, 3], [9], [1], [2]]);
    });

    it('refuses a run while closed', async () => {
      const { commit } = manualCommit();
      const b = new SendBatcher<number, string>({ commit });
      b.close();
      const settled = await Promise.allSettled(b.enqueueRun([1, 2]));
      expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    });
  });
});
