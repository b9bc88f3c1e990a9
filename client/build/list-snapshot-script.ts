import { createHash } from 'node:crypto';
import { build } from 'esbuild';
import type { Plugin } from 'vite';

/**
 * Builds src/boot/show-list-snapshot.ts as a script apart from the app (one small IIFE, its imports
 * bundled in, named by the hash of its code and precached like the other assets) and loads it from
 * index.html as a classic script at the end of the body: it runs as soon as the page is parsed, so
 * the list snapshot is drawn before the entry module (≈ 70 KiB gzip), which waits for the parse, has
 * been compiled and run (src/boot/paint-list-snapshot.ts). Measured against a `defer` script before
 * the entry and a module imported first by it: docs/benchmarks.md figure 5, session 36.
 *
 * Production builds only: `vite` (dev) serves the app without it, and a cold open there draws the
 * list from IndexedDB, as a build without a snapshot does.
 */
export function listSnapshotScript(entry: string): Plugin {
  let fileName = '';
  return {
    name: 'pigeon:list-snapshot-script',
    apply: 'build',
    async buildStart() {
      const out = await build({ entryPoints: [entry], bundle: true, format: 'iife', target: 'es2022', minify: true, write: false, logLevel: 'warning' });
      const code = out.outputFiles[0]!.text;
      fileName = `assets/list-snapshot-${createHash('sha256').update(code).digest('base64url').slice(0, 8)}.js`;
      this.emitFile({ type: 'asset', fileName, source: code });
    },
    transformIndexHtml: {
      order: 'post',
      // At the end of the body, parser-blocking: it runs once the page is parsed and its style sheet is
      // in, before the entry module; with a snapshot, the page's first frame is the list.
      handler(html) {
        const at = html.lastIndexOf('</body>');
        if (at < 0) throw new Error('list-snapshot-script: index.html has no </body>');
        return `${html.slice(0, at)}  <script src="/${fileName}"></script>\n  ${html.slice(at)}`;
      },
    },
  };
}
