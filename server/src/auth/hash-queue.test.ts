import { describe, expect, it } from 'vitest';
import { isPigeonError } from '@pigeon/sync-protocol';
import { retryAfterSeconds } from '../limits/rate-limited.ts';
import { HashQueue } from './hash-queue.ts';
import { effectiveHashConcurrency } from './passwords.ts';
import { deferred } from '../util/deferred.ts';

describe('HashQueue', () => {
  it('runs at most `concurrency` tasks, queues up to `maxWaiting`, refuses the next with RATE_LIMITED + retry time', async () => {
    const queue = new HashQueue({ concurrency: 2, maxWaiting: 2, initialTaskMs: 300 });
    const gates = Array.from({ length: 4 }, deferred);
    let active = 0;
    let maxActive = 0;
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      queue.run(async () => {
        started.push(i);
        maxActive = Math.max(maxActive, ++active);
        await g.promise;
        active--;
        return i;
      }),
    );
    await Promise.resolve();
    expect(queue.stats).toEqual({ running: 2, waiting: 2 });
    expect(started).toEqual([0, 1]);

    const refused = await queue.run(async () => 'never').catch((e: unknown) => e);
    expect(isPigeonError(refused) && refused.code).toBe('RATE_LIMITED');
    // Two waiters plus this one, two at a time: two rounds of ~300 ms.
    expect(isPigeonError(refused) && retryAfterSeconds(refused)).toBe(1);

    for (const g of gates) g.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(maxActive).toBe(2);
    expect(started).toEqual([0, 1, 2, 3]); // first come, first served
    expect(queue.stats).toEqual({ running: 0, waiting: 0 });
  });

  it('a failing task frees its slot', async () => {
    const queue = new HashQueue({ concurrency: 1, maxWaiting: 0 });
    await expect(queue.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await queue.run(async () => 'ok')).toBe('ok');
  });

  it('hashing never takes more than libuv pool size − 2 threads (at least one)', () => {
    expect(effectiveHashConcurrency(2, 4)).toBe(2);
    expect(effectiveHashConcurrency(8, 4)).toBe(2);
    expect(effectiveHashConcurrency(8, 16)).toBe(8);
    expect(effectiveHashConcurrency(2, 2)).toBe(1);
  });
});
