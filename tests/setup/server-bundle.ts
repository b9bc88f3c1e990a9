/**
 * The server's entry (server/src/main.ts and the first-party code it imports) compiled once
 * per test process by esbuild, for the suites that start the server as child processes (the
 * chaos harness, the cluster tests). Through `node --import tsx` every child compiled ~250
 * source files on its own, in tsx's loader thread: 2–6 s per start on a loaded 2-core
 * machine, and a chaos or cluster file starts dozens. From the bundle a child loads its
 * code in a fraction of that.
 *
 * The same source, the same compiler (tsx runs on esbuild too), the same packages:
 *
 * - Only first-party TypeScript (server/src, @pigeon/sync-protocol) is bundled. Every npm
 *   package stays an ordinary import, resolved by Node at run time from where the bundle
 *   lies: inside server/node_modules/.cache/, so resolution walks server/node_modules and
 *   then the root node_modules, exactly as from server/src.
 * - Each module's `import.meta.url` is replaced by its source file's URL, so whatever the
 *   server finds beside its source (client/dist, the store worker it bundles itself, the
 *   checkpoint worker) is found in the same place.
 * - Code splitting keeps the `await import()`s lazy (the Mongo store and driver load only
 *   when MONGODB_URI is set), as they are under tsx.
 * - Source maps are inline and the child runs with --enable-source-maps, so a stack trace
 *   in a server log names server/src files and lines, as under tsx.
 *
 * `npm start` / `npm run serve` are untouched: production still runs through tsx.
 * PIGEON_TEST_SERVER_TSX=1 makes the children run through tsx again (to compare, or to rule
 * the bundle out when a failure looks odd).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = join(REPO, 'server', 'src', 'main.ts');
const CACHE = join(REPO, 'server', 'node_modules', '.cache', 'pigeon-test-server');
/** Bundles of older sources are removed after this long (a running suite may still use one). */
const STALE_MS = 24 * 60 * 60 * 1000;

/** `node` arguments (before any of the server's own) that start the server, run from the repo root. */
export function serverNodeArgs(): Promise<string[]> {
  if (process.env.PIGEON_TEST_SERVER_TSX === '1') return Promise.resolve(['--import', 'tsx', join('server', 'src', 'main.ts')]);
  bundled ??= bundleServer().catch((err: unknown) => {
    bundled = null;
    throw err;
  });
  return bundled.then((main) => ['--enable-source-maps', main]);
}

let bundled: Promise<string> | null = null;

/** Bundles into a fresh directory named by the output's hash, moved into place whole. */
async function bundleServer(): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: CACHE,
    entryNames: 'main',
    chunkNames: 'chunk-[hash]',
    // No package.json above it says "module" (Node stops looking at node_modules/).
    outExtension: { '.js': '.mjs' },
    sourcemap: 'inline',
    sourcesContent: false,
    write: false,
    logLevel: 'silent',
    plugins: [packagesStayImports(), sourceImportMetaUrl()],
  });
  const hash = createHash('sha256');
  for (const file of result.outputFiles) hash.update(relative(CACHE, file.path)).update(file.contents);
  const dir = join(CACHE, hash.digest('hex').slice(0, 16));
  const main = join(dir, 'main.mjs');
  if (!existsSync(main)) {
    // Written beside, then renamed: a sibling process bundling the same source at the same
    // moment either wins the rename or finds the directory already complete.
    const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    for (const file of result.outputFiles) {
      const target = join(tmp, relative(CACHE, file.path));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, file.contents);
    }
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true });
      if (!existsSync(main)) throw new Error(`server bundle: could not place ${dir}`);
    }
  }
  removeStale(dir);
  return main;
}

/** npm packages (not the workspace's own TypeScript) are left for Node to resolve and load. */
function packagesStayImports(): Plugin {
  return {
    name: 'packages-stay-imports',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('@pigeon/')) return undefined;
        // From the bundle's place Node looks in server/node_modules, then the root's. A workspace
        // with a copy of its own (sync-protocol/node_modules/zod, after some version bump) would
        // get a different one here than under tsx: refuse rather than test other code.
        const workspace = relative(REPO, args.importer).split(sep)[0]!;
        const name = args.path.split('/').slice(0, args.path.startsWith('@') ? 2 : 1).join('/');
        if (workspace !== 'server' && !args.path.startsWith('node:') && existsSync(join(REPO, workspace, 'node_modules', name))) {
          return { errors: [{ text: `${workspace}/node_modules/${name} would not be found from the bundle; teach tests/setup/server-bundle.ts about it` }] };
        }
        return { path: args.path, external: true };
      });
    },
  };
}

/** Each first-party module sees its own source file's URL as `import.meta.url`. */
function sourceImportMetaUrl(): Plugin {
  return {
    name: 'source-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.split(sep).includes('node_modules')) return undefined;
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        const url = JSON.stringify(pathToFileURL(args.path).href);
        return { contents: text.replaceAll('import.meta.url', url), loader: 'ts' };
      });
    },
  };
}

function removeStale(keep: string): void {
  for (const name of readdirSync(CACHE)) {
    const path = join(CACHE, name);
    if (path === keep) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > STALE_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // removed by a sibling meanwhile
    }
  }
}
