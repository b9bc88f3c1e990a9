import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The order files start in, across all projects. vitest's own order goes project by
 * project (alphabetically), so a long file of a late project starts near the end and
 * runs alone while the other cores idle. Here the longest files start first:
 *
 *  - previously failed files first, as vitest does;
 *  - then by the last run's duration (vitest's results cache), longest first;
 *  - a file without one (a fresh clone, a new file) before those with one, ordered by
 *    `projectsByFileLength` (projects whose files usually run longest first), then by
 *    size, larger first.
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
      return [...files].sort((a, b) => {
        const [ra, rb] = [last.get(a), last.get(b)];
        if (!!ra?.failed !== !!rb?.failed) return ra?.failed ? -1 : 1;
        if (ra && rb) return rb.duration - ra.duration;
        if (ra || rb) return ra ? 1 : -1;
        return rank(a) - rank(b) || size(b) - size(a);
      });
    }
  };
}
