import { describe, expect, it } from 'vitest';
import { coverage, coveredUpTo } from '../../groups/rules.ts';
import { mergeByChangePos } from './group-reads.ts';
import { groupCoverage, newlyCovered, type SeqRange } from './group-settle.ts';
import type { MessageRow } from './rows.ts';

/** Which of `messages` ([seq, sender]) the ranges select. */
const selected = (ranges: readonly SeqRange[], messages: readonly (readonly [number, string])[]) =>
  messages.filter(([seq, sender]) => ranges.some((r) => seq > r.from && seq <= r.to && (r.senderId === null || r.senderId === sender))).map(([seq]) => seq);

describe('newlyCovered', () => {
  it('is nothing with fewer than two members (nobody else to wait for is not "everyone has it")', () => {
    expect(groupCoverage([['a', 5]])).toBeNull();
    expect(newlyCovered(null, groupCoverage([['a', 5]]), 5)).toEqual([]);
  });

  it('every sender up to the new lowest position, the new holder up to the second lowest', () => {
    const before = groupCoverage([['a', 1], ['b', 1], ['c', 1]]);
    const after = groupCoverage([['a', 1], ['b', 4], ['c', 6]]);
    // a holds the lowest (1): a's messages need b and c (covered up to 4), the others' need a.
    expect(newlyCovered(before, after, 6)).toEqual([{ from: 1, to: 4, senderId: 'a' }]);
  });

  it('selects every message the move covers, and only covered ones, whatever the moves', () => {
    // Brute force over small groups. A message covered before may be selected again (its
    // status is already there, the UPDATE skips it); one not covered after never is.
    const senders = ['a', 'b', 'c'];
    const messages = Array.from({ length: 8 }, (_, i) => [i + 1, senders[(i * 7) % 3]!] as const);
    const covered = (positions: readonly (readonly [string, number])[]) => {
      const c = coverage(positions);
      return messages.filter(([seq, sender]) => seq <= coveredUpTo(c, sender)).map(([seq]) => seq);
    };
    for (let trial = 0; trial < 500; trial++) {
      const before = senders.map((s) => [s, 1 + Math.floor(Math.random() * 8)] as const);
      const moved = before.map(([s, p]) => [s, Math.min(8, p + Math.floor(Math.random() * 4))] as const);
      // A third of the time a member also leaves.
      const after = trial % 3 === 0 ? moved.filter((_, i) => i !== trial % senders.length) : moved;
      const newly = covered(after).filter((seq) => !covered(before).includes(seq));
      const picked = selected(newlyCovered(groupCoverage(before), groupCoverage(after), 8), messages);
      const context = JSON.stringify({ before, after, messages });
      expect(picked.filter((seq) => newly.includes(seq)), context).toEqual(newly);
      expect(picked.filter((seq) => !covered(after).includes(seq)), context).toEqual([]);
    }
  });

  it('a member leaving lifts the coverage; from no reliable coverage it starts at 0', () => {
    const before = groupCoverage([['a', 2], ['b', 9], ['c', 3]]);
    const after = groupCoverage([['b', 9], ['c', 3]]);
    expect(newlyCovered(before, after, 9)).toEqual([{ from: 2, to: 3, senderId: null }, { from: 3, to: 9, senderId: 'c' }]);
    expect(newlyCovered(null, groupCoverage([['a', 4], ['b', 5]]), 5)).toEqual([{ from: 0, to: 4, senderId: null }, { from: 4, to: 5, senderId: 'a' }]);
  });

  it('never reaches past the last seq', () => {
    const ranges = newlyCovered(groupCoverage([['a', 1], ['b', 1]]), groupCoverage([['a', 3], ['b', 3]]), 3);
    expect(Math.max(...ranges.map((r) => r.to))).toBe(3);
  });
});

describe('mergeByChangePos', () => {
  const row = (change_pos: number) => ({ change_pos }) as MessageRow;
  it('merges sorted lists in change order and keeps the first n', () => {
    const merged = mergeByChangePos([[row(1), row(5), row(9)], [], [row(2), row(3)], [row(7)]], 4);
    expect(merged.map((r) => r.change_pos)).toEqual([1, 2, 3, 5]);
    expect(mergeByChangePos([[row(4), row(6)]], 1).map((r) => r.change_pos)).toEqual([4]);
    expect(mergeByChangePos([[], []], 3)).toEqual([]);
  });
});
