import type { Plugin } from 'vite';

/** V8's explicit compile hint for a whole script (Chrome 136+; other engines read a comment). */
export const ALL_FUNCTIONS_HINT = '//# allFunctionsCalledOnLoad\n';

/**
 * Marks the named chunks with V8's compile hint, so that their functions are compiled with the
 * script (off the main thread when it streams) and kept in its code cache, instead of one by one
 * the first time each runs. Meant for chunks whose functions nearly all run while a user waits:
 * the messenger page's run when a chat opens, and each tab that opens one compiled about 200 of
 * them there (issue #20, docs/benchmarks.md session 46). Not for the entry or the engine chunk,
 * most of whose code never runs in a visit.
 *
 * In generateBundle, after minification (which would drop the comment) and last of that hook:
 * Vite's import analysis puts its `__vite__mapDeps` helper first in a chunk there too.
 */
export function compileHints(chunkNames: readonly string[]): Plugin {
  const names = new Set(chunkNames);
  return {
    name: 'pigeon-compile-hints',
    apply: 'build',
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        for (const chunk of Object.values(bundle)) {
          if (chunk.type === 'chunk' && names.has(chunk.name) && !chunk.code.startsWith(ALL_FUNCTIONS_HINT)) chunk.code = ALL_FUNCTIONS_HINT + chunk.code;
        }
      },
    },
  };
}
