/**
 * The bounded chaos run that is part of `npm test`: a few fixed seeds, a few
 * hundred ops each, every invariant checked. Fixed seeds keep CI reproducible;
 * the soak (`npm run chaos -- --minutes 30`) explores new ones.
 *
 * A failure prints the violations, the dump directory and the replay command.
 */
import { describe, expect, it } from 'vitest';
import { replayCommand, runChaos } from './run.ts';

const SEEDS = (process.env.CHAOS_SEEDS ?? '1,2,3,4,5').split(',').map(Number);
const OPS = Number(process.env.CHAOS_OPS ?? 200);

describe('chaos: no loss, no duplicates, same conversation everywhere', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}, ${OPS} ops`, { timeout: 150_000 }, async () => {
      const result = await runChaos({ seed, ops: OPS, settleMs: 30_000, log: (l) => console.log(l) });
      const report = result.ok
        ? ''
        : [
            `seed ${seed} violated ${result.violations.length} invariant checks; dump: ${result.dumpPath}`,
            `replay: ${replayCommand(seed, OPS)}`,
            ...result.violations.slice(0, 15).map((v) => `  - ${v.invariant}: ${v.message}`),
          ].join('\n');
      expect(result.violations, report).toEqual([]);
    });
  }
});
