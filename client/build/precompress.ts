import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Plugin, ResolvedConfig } from 'vite';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/** Text files worth compressing; images and fonts are compressed already. */
const COMPRESSIBLE = /\.(?:js|mjs|css|html|json|webmanifest|svg|txt|map|xml|wasm)$/;
/** Below this the headers outweigh the saving. */
const MIN_BYTES = 1024;

export interface Precompressed {
  file: string;
  bytes: number;
  br: number | null;
  gzip: number | null;
}

/** Brotli (quality 11) and gzip (level 9) of one file's bytes; a variant not smaller than the file is left out. */
export async function compressVariants(bytes: Buffer): Promise<{ br: Buffer | null; gzip: Buffer | null }> {
  const [br, gzip] = await Promise.all([
    brotli(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }),
    gz(bytes, { level: 9 }),
  ]);
  return { br: br.length < bytes.length ? br : null, gzip: gzip.length < bytes.length ? gzip : null };
}

/** Writes `x.br` and `x.gz` beside every compressible file under `dir` (recursively). */
export async function precompressDir(dir: string): Promise<Precompressed[]> {
  const out: Precompressed[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !COMPRESSIBLE.test(entry.name)) continue;
    const file = join(entry.parentPath, entry.name);
    const bytes = await readFile(file);
    if (bytes.length < MIN_BYTES) continue;
    const v = await compressVariants(bytes);
    if (v.br) await writeFile(`${file}.br`, v.br);
    if (v.gzip) await writeFile(`${file}.gz`, v.gzip);
    out.push({ file, bytes: bytes.length, br: v.br?.length ?? null, gzip: v.gzip?.length ?? null });
  }
  return out;
}

/**
 * Precompresses client/dist at the end of the build, for the server's `serveStatic({ precompressed: true })`.
 * A closeBundle hook ordered after vite-plugin-pwa's (which writes sw.js, also sequential), so the
 * service worker and the web manifest are compressed too — a plugin working on the Rollup bundle
 * (vite-plugin-compression2) never sees those two. The precache globs (`*.{js,css,…}`) do not match
 * `.br`/`.gz`, so the service worker never caches the variants: it fetches the plain URL and the
 * browser decodes whichever encoding the server chose.
 */
export function precompress(): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'pigeon:precompress',
    apply: 'build',
    configResolved(resolved) {
      config = resolved;
    },
    closeBundle: {
      sequential: true,
      order: 'post',
      async handler() {
        const outDir = join(config.root, config.build.outDir);
        const done = await precompressDir(outDir);
        const sum = (k: 'bytes' | 'br' | 'gzip') => done.reduce((a, f) => a + (f[k] ?? f.bytes), 0);
        console.log(`\nPrecompressed ${done.length} files: ${(sum('bytes') / 1024).toFixed(0)} KiB → br ${(sum('br') / 1024).toFixed(0)} KiB, gzip ${(sum('gzip') / 1024).toFixed(0)} KiB`);
      },
    },
  };
}
