import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * vitest calls that replace a module or a global for the file that makes them. A file using one
 * must not share its module graph with other files (vitest's `isolate: false`): the replacement
 * could be seen by, or miss, modules another file already imported.
 */
const REPLACES = /\bvi\.(mock|doMock|unmock|doUnmock|resetModules|stubGlobal|stubEnv)\(/;

/** The `*.test.ts` files under `dirs` (relative to `root`) that replace modules or globals, as relative paths. */
export function filesThatMock(dirs: readonly string[], root = process.cwd()): string[] {
  return dirs
    .flatMap((dir) =>
      readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.test.ts') && !f.split('/').includes('node_modules'))
        .map((f) => `${dir}/${f}`),
    )
    .filter((f) => REPLACES.test(readFileSync(join(root, f), 'utf8')))
    .sort();
}
