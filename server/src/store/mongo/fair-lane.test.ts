import { describe, expect, it } from 'vitest';
import { TakingTurnsLane, type SectionKind } from './fair-lane.ts';
import { deferred } from '../../util/deferred.ts';

describe('TakingTurnsLane', () => {
  it('runs one section at a time', async () => {
    const lane = new TakingTurnsLane();
    let running = 0;
    let most = 0;
    const task = async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 2));
      running--;
    };
    await Promise.all(Array.from({ length: 20 }, (_, i) => lane.run(i % 3 ? 'receipt' : 'send', task)));
    expect(most).toBe(1);
  });

  it('lets a send wait behind one receipt section at most, however many are queued', async () => {
    const lane = new TakingTurnsLane();
    const order: string[] = [];
    const first = deferred();
    const runs: Promise<unknown>[] = [];
    runs.push(lane.run('receipt', async () => { order.push('r0'); await first.promise; }));
    for (let i = 1; i <= 10; i++) runs.push(lane.run('receipt', async () => { order.push(`r${i}`); }));
    runs.push(lane.run('send', async () => { order.push('s1'); }));
    runs.push(lane.run('send', async () => { order.push('s2'); }));
    first.resolve();
    await Promise.all(runs);
    // r0 was running when the sends came; then turns: s1, r1, s2, then the remaining receipts.
    expect(order.slice(0, 4)).toEqual(['r0', 's1', 'r1', 's2']);
    expect(order).toHaveLength(13);
    expect(order.slice(4)).toEqual(['r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9', 'r10']);
  });

  it('keeps receipts moving while sends never stop', async () => {
    const lane = new TakingTurnsLane();
    const order: SectionKind[] = [];
    const runs: Promise<unknown>[] = [];
    for (let i = 0; i < 5; i++) runs.push(lane.run('receipt', async () => { order.push('receipt'); }));
    for (let i = 0; i < 20; i++) runs.push(lane.run('send', async () => { order.push('send'); }));
    await Promise.all(runs);
    // Every receipt ran before the last 15 sends.
    expect(order.lastIndexOf('receipt')).toBeLessThan(10);
  });

  it('a failing section fails its caller only', async () => {
    const lane = new TakingTurnsLane();
    const failing = lane.run('send', () => {
      throw new Error('boom');
    });
    const after = lane.run('receipt', async () => 'ok');
    await expect(failing).rejects.toThrow('boom');
    await expect(after).resolves.toBe('ok');
  });
});
