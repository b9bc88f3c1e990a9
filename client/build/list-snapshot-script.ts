import { createHash } from 'node:crypto';
import { build } from 'esbuild';
import type { Plugin } from 'vite';

/**
 * Builds src/boot/show-list-snapshot.ts as a script apart from the app (one small IIFE, its imports
 * bundled in) and loads it from index.html as a classic `defer` script placed before the entry
 * module: deferred scripts run in document order once the page is parsed, so the list snapshot is
 * drawn before the entry (≈ 70 KiB gzip) has been compiled and run (src/boot/paint-list-snapshot.ts).
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
      // At the end of the body, parser-blocking: it runs as soon as the page is parsed (and its style
      // sheet loaded), before the first layout of the splash when it is in by then.
      handler(html) {
        const at = html.lastIndexOf('</body>');
        if (at < 0) throw new Error('list-snapshot-script: index.html has no </body>');
        return `${html.slice(0, at)}  <script src="/${fileName}"></script>\n  ${html.slice(at)}`;
      },
    },
  };
}
