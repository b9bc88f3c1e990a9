import { coverage, coveredUpTo, type Coverage } from '../../groups/rules.ts';

/**
 * Which messages a change of a group's receipt positions newly covers (pure; docs/architecture.md,
 * "Groups"). Statuses already match the coverage before the change, so only what lies between
 * the old and the new coverage needs an UPDATE, and its rows are found by (cid, seq) ranges:
 *  - every sender's messages in (old lowest, new lowest];
 *  - the new holder's own messages in (what already covered them, new second].
 * A message of seq s by S is covered iff s <= coveredUpTo(coverage, S) (groups/rules.ts).
 */

/** Messages with from < seq <= to, of `senderId` only when set. */
export interface SeqRange {
  from: number;
  to: number;
  senderId: string | null;
}

/**
 * The coverage of one kind over the current members' positions, or null when fewer than two
 * members remain: with nobody else to wait for, a group moves no status (rather than taking
 * "no other member" as "every other member has it").
 */
export function groupCoverage(positions: ReadonlyArray<readonly [userId: string, position: number]>): Coverage | null {
  return positions.length < 2 ? null : coverage(positions);
}

/**
 * The ranges to settle when the coverage goes from `before` to `after`, capped at the group's
 * last seq. `before` null: no reliable earlier coverage (fewer than two members until now), so
 * the ranges start at 0; statuses only move forward, so a rescan changes nothing twice.
 */
export function newlyCovered(before: Coverage | null, after: Coverage | null, lastSeq: number): SeqRange[] {
  if (!after) return [];
  const ranges: SeqRange[] = [];
  const lowestBefore = before ? before.lowest : 0;
  const lowestAfter = Math.min(after.lowest, lastSeq);
  if (lowestAfter > lowestBefore) ranges.push({ from: lowestBefore, to: lowestAfter, senderId: null });
  if (after.holder !== null) {
    const holderBefore = before ? coveredUpTo(before, after.holder) : 0;
    const from = Math.max(lowestAfter, holderBefore);
    const to = Math.min(after.second, lastSeq);
    if (to > from) ranges.push({ from, to, senderId: after.holder });
  }
  return ranges;
}
