/**
 * The sync engine (Dexie, zod, Socket.io and the engine itself: most of the app's JavaScript) and
 * the stores that follow its events. App.vue imports this module dynamically, so the entry chunk
 * is only Vue, vue-i18n and the shell: the splash paints while this chunk is fetched and parsed
 * (docs/client.md, "Code splitting").
 */
import { engine } from '../engine.ts';
import { trackPresence } from '../stores/presence.ts';
import { trackTyping } from '../stores/typing.ts';

trackTyping();
trackPresence();

export { engine };
