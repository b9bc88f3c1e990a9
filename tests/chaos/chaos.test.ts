/**
 * The bounded chaos run that is part of `npm test`: a few fixed seeds, a few
 * hundred ops each, every invariant checked. Fixed seeds keep CI reproducible;
 * the soak (`npm run chaos -- --minutes 30`) explores new ones.
 *
 * The seeds run side by side, as many at once as the chaos project's maxConcurrency
 * (vitest.config.ts): each has its own server process, proxies, devices and ports, and
 * a run spends most of its time in planned gaps and faults. Which seed's ops interleave
 * with which does not matter: an op's timing was never part of what a seed replays.
 *
 * A failure prints the violations, the dump directory and the replay command.
 */
import { describe, it } from 'vitest';
import { runChaos } from './run.ts';

const SEEDS = (process.env.CHAOS_SEEDS ?? '1,2,3,4,5').split(',').map(Number);
const OPS = Number(process.env.CHAOS_OPS ?? 200);
/** The server's access-token lifetime (s); by default each seed draws its own (2–4 s). */
const TOKEN_TTL_S = process.env.CHAOS_TOKEN_TTL ? Number(process.env.CHAOS_TOKEN_TTL) : undefined;

describe.concurrent('chaos: no loss, no duplicates, same conversation everywhere', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}, ${OPS} ops`, { timeout: 150_000 }, async ({ expect }) => {
      const result = await runChaos({ seed, ops: OPS, settleMs: 30_000, tokenTtlS: TOKEN_TTL_S, log: (l) => console.log(l) });
      const report = result.ok
        ? ''
        : [
            `seed ${seed} violated ${result.violations.length} invariant checks; dump: ${result.dumpPath}`,
            `replay: ${result.replay}`,
            ...result.violations.slice(0, 15).map((v) => `  - ${v.invariant}: ${v.message}`),
          ].join('\n');
      expect(result.violations, report).toEqual([]);
    });
  }
});
