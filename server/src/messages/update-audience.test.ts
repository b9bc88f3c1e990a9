import { describe, expect, it } from 'vitest';
import type { MemberPeriod } from '../store/store.ts';
import { groupViewers } from './update-audience.ts';

const group = {
  members: [
    { userId: 'ana', role: 'admin' as const, sinceSeq: 1 },
    { userId: 'bob', role: 'member' as const, sinceSeq: 10 },
    { userId: 'cy', role: 'member' as const, sinceSeq: 21 },
    { userId: 'dee', role: 'member' as const, sinceSeq: 30 },
  ],
};
const periods: Record<string, MemberPeriod[]> = {
  // Re-added: held seqs 1..20 before, then from 21 on.
  cy: [
    { fromSeq: 1, toSeq: 20 },
    { fromSeq: 21, toSeq: null },
  ],
  // Added once, at 30.
  dee: [{ fromSeq: 30, toSeq: null }],
};

describe('groupViewers', () => {
  it('leaves out members added after the message, keeps one re-added whose earlier period holds it', async () => {
    const asked: string[] = [];
    const periodsOf = async (u: string) => (asked.push(u), periods[u] ?? []);
    expect(await groupViewers({ seq: 19 }, group, periodsOf)).toEqual(['ana', 'bob', 'cy']);
    // bob joined at 10 and never left: no read needed for him nor for ana.
    expect(asked.sort()).toEqual(['cy', 'dee']);
  });

  it('a member re-added after a gap holding the message does not see it', async () => {
    const gap = { cy: [{ fromSeq: 1, toSeq: 3 }, { fromSeq: 21, toSeq: null }] };
    expect(await groupViewers({ seq: 19 }, group, async (u) => (gap as Record<string, MemberPeriod[]>)[u] ?? [])).toEqual(['ana', 'bob']);
  });

  it('everyone who joined before the message sees it, with no read at all', async () => {
    let reads = 0;
    expect(await groupViewers({ seq: 40 }, group, async () => (reads++, []))).toEqual(['ana', 'bob', 'cy', 'dee']);
    expect(reads).toBe(0);
  });
});
