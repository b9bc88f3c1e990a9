/**
 * The store worker's code (store-worker.ts and what it imports) as one plain-JavaScript module.
 *
 * A worker thread does not inherit the parent's TypeScript loader. Registering tsx in each worker
 * (the old boot.mjs) cost 1.6–4.6 s per store opened on a loaded machine: tsx's hooks thread, then
 * 65 source files and 95 zod modules through it. Every server start and every store test paid it.
 * esbuild (the compiler tsx itself runs on) bundles the worker once per process, ≈ 0.3 s; a worker
 * then starts in ≈ 0.15 s.
 *
 * zod is left out: the worker never parses (it is handed values the server has validated), and
 * @pigeon/sync-protocol builds its schemas on first use only (lazy-schema.ts), so zod was loaded
 * into every worker for nothing. Evaluating its 750 KB took most of a worker's start: the
 * threaded store's contract suite (a worker per test) ran in 29 s instead of 49 s without it. A
 * schema used in the worker after all fails loudly on its first use (ZOD_LEFT_OUT), in every
 * test that goes through the worker.
 *
 * The bundle is a `data:` URL, not a file: nothing is written (a shared temp directory could be
 * planted by another local user, and a killed process would leave its copy behind). Its
 * `sourceURL` names it in stack traces. better-sqlite3, a native addon, stays outside the bundle,
 * imported by its absolute file URL (a `data:` module cannot resolve package names).
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

/** The name the worker's stack frames carry. */
export const STORE_WORKER_SOURCE_URL = 'pigeon-store-worker.bundle.mjs';

/** What the worker gets for `import { z } from 'zod'`: any use of z throws, naming what was used. */
export const ZOD_LEFT_OUT = `export const z = new Proxy({}, { get(_t, key) { throw new Error('zod is left out of the store worker (worker-bundle.ts): z.' + String(key) + ' was used there'); } });`;

let bundled: Promise<URL> | null = null;

/** The worker's module, bundled on the first call of this process (a failed bundle is tried again next time). */
export function storeWorkerUrl(): Promise<URL> {
  bundled ??= bundleStoreWorker().catch((err: unknown) => {
    bundled = null;
    throw err;
  });
  return bundled;
}

async function bundleStoreWorker(): Promise<URL> {
  const sqlite = pathToFileURL(createRequire(import.meta.url).resolve('better-sqlite3')).href;
  const nativeByPath: Plugin = {
    name: 'native-addon-by-path',
    setup(b) {
      b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: sqlite, external: true }));
    },
  };
  const withoutZod: Plugin = {
    name: 'zod-left-out',
    setup(b) {
      b.onResolve({ filter: /^zod$/ }, () => ({ path: 'zod', namespace: 'zod-left-out' }));
      b.onLoad({ filter: /.*/, namespace: 'zod-left-out' }, () => ({ contents: ZOD_LEFT_OUT, loader: 'js' }));
    },
  };
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./store-worker.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    plugins: [nativeByPath, withoutZod],
  });
  const code = `${result.outputFiles[0]!.text}\n//# sourceURL=${STORE_WORKER_SOURCE_URL}\n`;
  return new URL(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
}
