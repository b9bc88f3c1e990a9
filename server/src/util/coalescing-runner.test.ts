import { describe, expect, it } from 'vitest';
import { CoalescingRunner, type Coalescing } from './coalescing-runner.ts';

/** Work is a set of numbers; a queued batch holds at most `max`. */
const numbers = (max: number): Coalescing<Set<number>> => ({
  rest(earlier, next) {
    const left = [...next].filter((n) => !earlier.has(n));
    if (left.length === next.size) return { covered: false, rest: next };
    return { covered: true, rest: left.length === 0 ? null : new Set(left) };
  },
  join(queued, more) {
    return queued.size + more.size > max ? null : new Set([...queued, ...more]);
  },
});

/** A run whose calls are recorded and finished by hand. */
function harness(max = 100) {
  const calls: { key: string; work: number[]; finish: (err?: Error) => void }[] = [];
  const runner = new CoalescingRunner<Set<number>>(numbers(max), (key, work) =>
    new Promise<void>((resolve, reject) => calls.push({ key, work: [...work], finish: (err) => (err ? reject(err) : resolve()) })),
  );
  const settled = (p: Promise<void>) => {
    const state = { done: false, error: undefined as unknown };
    p.then(() => (state.done = true), (err) => (state.error = err));
    return state;
  };
  return { calls, runner, settled };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('CoalescingRunner', () => {
  it('runs at once when the key is idle, and forgets the key when its work is done', async () => {
    const { calls, runner, settled } = harness();
    const a = settled(runner.submit('r', new Set([1, 2])));
    await tick();
    expect(calls.map((c) => c.work)).toEqual([[1, 2]]);
    expect(runner.activeKeys).toBe(1);
    calls[0]!.finish();
    await tick();
    expect(a.done).toBe(true);
    expect(runner.activeKeys).toBe(0);
  });

  it('work resent while in flight waits for that call instead of making another', async () => {
    const { calls, runner, settled } = harness();
    runner.submit('r', new Set([1, 2, 3]));
    await tick();
    const again = [1, 2, 3, 4, 5].map(() => settled(runner.submit('r', new Set([2, 3]))));
    await tick();
    expect(calls).toHaveLength(1);
    expect(again.some((s) => s.done)).toBe(false);
    calls[0]!.finish();
    await tick();
    expect(again.every((s) => s.done)).toBe(true);
    expect(calls).toHaveLength(1);
  });

  it('what arrives during a call joins one queued call, which runs after it; a caller waits for every part', async () => {
    const { calls, runner, settled } = harness();
    runner.submit('r', new Set([1]));
    await tick();
    const b = settled(runner.submit('r', new Set([1, 2])));
    const c = settled(runner.submit('r', new Set([3])));
    const d = settled(runner.submit('r', new Set([2, 3, 4])));
    await tick();
    expect(calls.map((x) => x.work)).toEqual([[1]]);
    calls[0]!.finish();
    await tick();
    expect(calls.map((x) => x.work)).toEqual([[1], [2, 3, 4]]);
    expect([b.done, c.done, d.done]).toEqual([false, false, false]);
    calls[1]!.finish();
    await tick();
    expect([b.done, c.done, d.done]).toEqual([true, true, true]);
  });

  it('a queued call never grows past what join allows: the rest waits in a call of its own', async () => {
    const { calls, runner } = harness(3);
    runner.submit('r', new Set([0]));
    runner.submit('r', new Set([1, 2]));
    runner.submit('r', new Set([3, 4]));
    runner.submit('r', new Set([5]));
    await tick();
    calls[0]!.finish();
    await tick();
    calls[1]!.finish();
    await tick();
    expect(calls.map((x) => x.work)).toEqual([[0], [1, 2], [3, 4, 5]]);
  });

  it('keys do not wait for each other', async () => {
    const { calls, runner } = harness();
    runner.submit('r', new Set([1]));
    runner.submit('s', new Set([1]));
    await tick();
    expect(calls.map((x) => x.key)).toEqual(['r', 's']);
  });

  it('a failed call fails every caller waiting for it, and the queue goes on', async () => {
    const { calls, runner, settled } = harness();
    const a = settled(runner.submit('r', new Set([1])));
    await tick();
    const b = settled(runner.submit('r', new Set([1, 2])));
    calls[0]!.finish(new Error('store down'));
    await tick();
    expect((a.error as Error).message).toBe('store down');
    expect((b.error as Error).message).toBe('store down');
    // Its own part (2) ran: the caller retries the failed part, which costs a call again.
    expect(calls.map((x) => x.work)).toEqual([[1], [2]]);
    calls[1]!.finish();
    await tick();
    expect(runner.activeKeys).toBe(0);
  });

  it('a run that throws at once still ends its batch', async () => {
    let n = 0;
    const runner = new CoalescingRunner<Set<number>>(numbers(10), () => {
      n += 1;
      if (n === 1) throw new Error('sync throw');
      return Promise.resolve();
    });
    await expect(runner.submit('r', new Set([1]))).rejects.toThrow('sync throw');
    await expect(runner.submit('r', new Set([1]))).resolves.toBeUndefined();
    expect(runner.activeKeys).toBe(0);
  });
});
