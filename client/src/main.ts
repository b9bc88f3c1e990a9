import './boot/strict-csp.ts';
import './perf/boot.ts';
import { createApp } from 'vue';
import App from './App.vue';
import { engine } from './engine.ts';
import { i18n } from './i18n/index.ts';
import { trackPresence } from './stores/presence.ts';
import { trackTyping } from './stores/typing.ts';
import './styles/main.css';

trackTyping();
trackPresence();

// Ask the browser not to evict our IndexedDB under storage pressure (Safari wipes
// non-persistent storage of sites not used for 7 days). Best effort: it may say no.
void navigator.storage?.persist?.().catch(() => false);

createApp(App).use(i18n).mount('#app');
