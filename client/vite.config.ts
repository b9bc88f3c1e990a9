import { fileURLToPath, URL } from 'node:url';
import VueI18nPlugin from '@intlify/unplugin-vue-i18n/vite';
import vue from '@vitejs/plugin-vue';
import { defineConfig, searchForWorkspaceRoot } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { compileHints } from './build/compile-hints.ts';
import { gzipReport } from './build/gzip-report.ts';
import { listSnapshotScript } from './build/list-snapshot-script.ts';
import { precompress } from './build/precompress.ts';

const API_TARGET = process.env.PIGEON_API ?? 'http://127.0.0.1:3000';
const THEME = '#0f766e';

export default defineConfig({
  resolve: {
    // @pigeon/sync-protocol is a workspace link whose exports point at .ts sources; Vite
    // follows the symlink and compiles them like app code. dexie must be a single copy:
    // liveQuery only observes reads made through the module instance that wrote them.
    dedupe: ['vue', 'dexie'],
  },
  optimizeDeps: {
    include: ['dexie', 'socket.io-client'],
  },
  server: {
    fs: { allow: [searchForWorkspaceRoot(process.cwd())] },
    proxy: {
      '/api': { target: API_TARGET, changeOrigin: true },
      '/socket.io': { target: API_TARGET, ws: true, changeOrigin: true },
    },
  },
  build: {
    target: 'es2022',
    sourcemap: false,
  },
  // The image describer's worker (src/lib/image/worker.ts) is a module worker: ES output lets it share chunks.
  worker: { format: 'es' },
  plugins: [
    vue(),
    // The list snapshot's script, ahead of the entry (src/boot/paint-list-snapshot.ts).
    listSnapshotScript(fileURLToPath(new URL('./src/boot/show-list-snapshot.ts', import.meta.url))),
    // The locale JSON compiled to message functions at build time, and the runtime-only vue-i18n:
    // no message compiler shipped, no eval under the strict CSP (src/i18n/index.ts).
    VueI18nPlugin({
      include: [fileURLToPath(new URL('./src/i18n/locales/**', import.meta.url))],
      runtimeOnly: true,
      compositionOnly: true,
      fullInstall: false,
      strictMessage: false,
      // Every message is precompiled here (also the lazily loaded languages): the runtime's
      // message compiler would be dead weight in the entry chunk.
      dropMessageCompiler: true,
    }),
    VitePWA({
      // Our own worker (src/sw/sw.ts): the precache and navigation fallback the generated one
      // had, plus the Web Push handlers.
      strategies: 'injectManifest',
      srcDir: 'src/sw',
      filename: 'sw.ts',
      // 'prompt': a new service worker waits until the user accepts the update, so a
      // half-typed message is never lost to a forced reload (see UpdatePrompt.vue).
      registerType: 'prompt',
      injectRegister: false,
      includeAssets: ['icons/favicon-32.png', 'icons/apple-touch-icon-180.png'],
      manifest: {
        name: 'Pigeon Messenger',
        short_name: 'Pigeon',
        description: 'Offline-first messenger: read and write without a connection.',
        id: '/',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'any',
        theme_color: THEME,
        background_color: '#ffffff',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      // The navigation fallback (index.html, never for /api or /socket.io), cleanupOutdatedCaches
      // and the SKIP_WAITING message live in src/sw/sw.ts; no runtime caching, as before.
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,png,svg,ico,webmanifest}'],
      },
      devOptions: { enabled: false },
    }),
    // The messenger page's functions compiled with its script, not one by one as a chat opens.
    compileHints(['MessengerPage']),
    // Every build logs the initial JS size; only `npm run size` records it in the tracked docs,
    // so a plain build leaves the work tree clean.
    gzipReport(process.env.PIGEON_SIZE_DOC === '1' ? { docFile: fileURLToPath(new URL('../docs/client.md', import.meta.url)) } : {}),
    // Brotli and gzip copies of every text file in dist, after the service worker is written,
    // for the server's serveStatic({ precompressed: true }) (server/src/static.ts).
    precompress(),
  ],
});
