import { describe, expect, it } from 'vitest';
import { CAS_MAX_ROUNDS, casRounds, LOST_ROUND } from './cas-rounds.ts';
import type { MongoContext } from './context.ts';

const direct = { casLane: null } as unknown as MongoContext;

describe('casRounds', () => {
  it('repeats a lost round until one lands, and answers what it returned', async () => {
    let rounds = 0;
    await expect(casRounds(direct, 'x', async () => (++rounds < 3 ? LOST_ROUND : 'done'))).resolves.toBe('done');
    expect(rounds).toBe(3);
  });

  it('null and falsy answers are answers, not lost rounds', async () => {
    await expect(casRounds(direct, 'x', async () => null)).resolves.toBeNull();
    await expect(casRounds(direct, 'x', async () => 0)).resolves.toBe(0);
  });

  it('UNAVAILABLE after CAS_MAX_ROUNDS lost rounds, naming the document', async () => {
    let rounds = 0;
    await expect(
      casRounds(direct, 'the mute of c1', async () => {
        rounds++;
        return LOST_ROUND;
      }),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('the mute of c1 kept changing') });
    expect(rounds).toBe(CAS_MAX_ROUNDS);
  });

  it('runs the rounds inside the lane when there is one (FerretDB)', async () => {
    const order: string[] = [];
    const lane = { run: async <T>(task: () => Promise<T>) => (order.push('lock'), await task().finally(() => order.push('unlock'))) };
    const ctx = { casLane: lane } as unknown as MongoContext;
    await casRounds(ctx, 'x', async () => (order.push('round'), order.length < 3 ? LOST_ROUND : 1));
    expect(order).toEqual(['lock', 'round', 'round', 'unlock']);
  });

  it('a failing round is not retried: its error reaches the caller', async () => {
    let rounds = 0;
    await expect(
      casRounds(direct, 'x', async () => {
        rounds++;
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(rounds).toBe(1);
  });
});
