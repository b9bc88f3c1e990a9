import { describe, expect, it } from 'vitest';
import { coveringMembers, planGroups } from './group-plan.ts';

describe('planGroups', () => {
  it('cuts the users into whole groups of consecutive indexes', () => {
    expect(planGroups(7, 3)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(planGroups(200, 100).map((g) => [g[0], g.at(-1), g.length])).toEqual([
      [0, 99, 100],
      [100, 199, 100],
    ]);
  });
  it('refuses groups of fewer than 2 or more members than users', () => {
    expect(() => planGroups(10, 1)).toThrow();
    expect(() => planGroups(9, 10)).toThrow();
  });
});

describe('coveringMembers', () => {
  it('one member per group, each user once', () => {
    expect(coveringMembers([['a', 'b'], ['c', 'd'], ['a', 'e']])).toEqual(['a', 'c']);
  });
});
