import './boot/strict-csp.ts';
import './perf/boot.ts';
import { createApp } from 'vue';
import App from './App.vue';
import { startEarly } from './boot/early-start.ts';
import { startFirstPaint } from './boot/first-paint.ts';
import { mountLater } from './boot/mount-later.ts';
import { i18n, ready } from './i18n/index.ts';
import './styles/main.css';
// After main.css: its styles come after the app's base styles, as they did in a chunk of their own.
import FirstPaintMessenger from './components/first-paint/FirstPaintMessenger.vue';

// The engine, the pages and the rarely used views are loaded on demand (App.vue, boot/engine-loader.ts):
// this entry holds only what paints the first frame.

// Ask the browser not to evict our IndexedDB under storage pressure (Safari wipes
// non-persistent storage of sites not used for 7 days). Best effort: it may say no.
void navigator.storage?.persist?.().catch(() => false);

// A stored session: its cached list is read at once, to be drawn before the engine has loaded. Its
// component is in the entry, with its styles: the list snapshot drawn before the entry runs
// (boot/paint-list-snapshot.ts) is its markup, and needs them in its first frame.
startFirstPaint(async () => ({ default: FirstPaintMessenger }));

// A stored session: fetch the engine and the messenger, and resume, while Vue mounts the shell.
startEarly(() => import('./pages/MessengerPage.vue'));

// A language other than English is a chunk of its own: mount once its messages are in (i18n/index.ts),
// in a task of its own (boot/mount-later.ts).
void mountLater(ready, () => createApp(App).use(i18n).mount('#app'));
