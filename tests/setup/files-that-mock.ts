import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * vitest calls that replace a module or a global for the file that makes them. A file using one
 * must not share its module graph with other files (vitest's `isolate: false`): the replacement
 * could be seen by, or miss, modules another file already imported.
 */
export const REPLACES = /\bvi\.(mock|doMock|unmock|doUnmock|resetModules|stubGlobal|stubEnv)\(/;

/** A write to process.env (an assignment or a delete), which a file sharing its process would leak into the next one. */
export const WRITES_ENV = /process\.env(\.\w+|\[[^\]]+\])\s*=(?!=)|delete\s+process\.env/;

/** The `*.test.ts` files under `dirs` (relative to `root`) whose text matches `pattern`, as relative paths. */
export function testFilesMatching(dirs: readonly string[], pattern: RegExp, root = process.cwd()): string[] {
  return dirs
    .flatMap((dir) =>
      readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.test.ts') && !f.split('/').includes('node_modules'))
        .map((f) => `${dir}/${f}`),
    )
    .filter((f) => pattern.test(readFileSync(join(root, f), 'utf8')))
    .sort();
}

/** The `*.test.ts` files under `dirs` that replace modules or globals. */
export const filesThatMock = (dirs: readonly string[], root = process.cwd()) => testFilesMatching(dirs, REPLACES, root);
