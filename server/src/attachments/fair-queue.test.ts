import { describe, expect, it } from 'vitest';
import { FairQueue } from './fair-queue.ts';
import { deferred } from '../util/deferred.ts';

const tick = () => new Promise((r) => setImmediate(r));

describe('FairQueue', () => {
  it('runs at most `concurrency` tasks and takes waiting ones in turn per owner', async () => {
    const queue = new FairQueue(1);
    const order: string[] = [];
    const gate = deferred();
    const first = queue.run('alice', async () => {
      order.push('alice-0');
      await gate.promise;
    });
    // Alice queues three more, then Bob one: Bob's comes second, not fourth.
    const rest = [1, 2, 3].map((i) => queue.run('alice', async () => void order.push(`alice-${i}`)));
    const bob = queue.run('bob', async () => void order.push('bob-0'));
    await tick();
    expect(queue.stats).toEqual({ running: 1, waiting: 4 });
    gate.resolve();
    await Promise.all([first, ...rest, bob]);
    expect(order).toEqual(['alice-0', 'alice-1', 'bob-0', 'alice-2', 'alice-3']);
    expect(queue.stats).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses past maxWaiting and frees the slot when a task throws', async () => {
    const queue = new FairQueue(1, 1);
    const gate = deferred();
    const running = queue.run('a', () => gate.promise);
    const waiting = queue.run('a', async () => 'ran');
    expect(await queue.run('b', async () => 'never')).toBeNull();
    gate.resolve();
    await running;
    expect(await waiting).toBe('ran');
    await expect(queue.run('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await queue.run('a', async () => 'again')).toBe('again');
  });
});
