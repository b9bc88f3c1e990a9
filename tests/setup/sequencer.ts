import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** A file that ran at least this long last time is one that can end a run late if started late. */
const LONG_MS = 10_000;

/**
 * The order files start in, across all projects. vitest's own order goes project by
 * project (alphabetically), so a long file of a late project starts near the end and
 * runs alone while the other cores idle. Here the longest files start first:
 *
 *  1. files that failed last time, as vitest does;
 *  2. files that took LONG_MS or more last time (vitest's results cache), longest first;
 *  3. files with no duration yet (a fresh clone, a new file): they may be long. Ordered by
 *     `projectsByFileLength` (projects whose files usually run longest first), then by
 *     size, larger first;
 *  4. the other files, longest first.
 */
export function longestFirst(projectsByFileLength: readonly string[]) {
  const rank = (spec: TestSpecification) => {
    const i = projectsByFileLength.indexOf(spec.project.name);
    return i < 0 ? projectsByFileLength.length : i;
  };
  return class LongestFirst extends BaseSequencer {
    override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
      const { cache, config } = this.ctx;
      const key = (spec: TestSpecification) => `${spec.project.name}:${relative(config.root, spec.moduleId)}`;
      const last = new Map(files.map((spec) => [spec, cache.getFileTestResults(key(spec))]));
      const size = (spec: TestSpecification) => cache.getFileStats(key(spec))?.size ?? 0;
      const tier = (spec: TestSpecification) => {
        const result = last.get(spec);
        if (!result) return 3;
        if (result.failed) return 1;
        return result.duration >= LONG_MS ? 2 : 4;
      };
      return [...files].sort((a, b) => {
        const [ta, tb] = [tier(a), tier(b)];
        if (ta !== tb) return ta - tb;
        if (ta === 3) return rank(a) - rank(b) || size(b) - size(a);
        return last.get(b)!.duration - last.get(a)!.duration;
      });
    }
  };
}
