import { describe, expect, it } from 'vitest';
import { receiptBatches } from './owed-receipts.ts';

describe('receiptBatches', () => {
  const rec = (key: string, n: number) => ({ key, ids: Array.from({ length: n }, (_, i) => `${key}-${i}`) });

  it('groups consecutive records while their ids fit in one emit', () => {
    const batches = receiptBatches([rec('a', 3), rec('b', 2), rec('c', 4)], 5);
    expect(batches.map((b) => b.keys)).toEqual([['a', 'b'], ['c']]);
    expect(batches.map((b) => b.emits.map((e) => e.length))).toEqual([[5], [4]]);
  });

  it('sends a record bigger than one emit alone, in slices, paid as one', () => {
    const batches = receiptBatches([rec('a', 1), rec('b', 7), rec('c', 1)], 3);
    expect(batches.map((b) => b.keys)).toEqual([['a'], ['b'], ['c']]);
    expect(batches[1]!.emits).toEqual([['b-0', 'b-1', 'b-2'], ['b-3', 'b-4', 'b-5'], ['b-6']]);
  });

  it('nothing owed, nothing sent', () => {
    expect(receiptBatches([], 10)).toEqual([]);
  });
});
