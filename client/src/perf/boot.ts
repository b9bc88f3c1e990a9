// Imported first by main.ts: ES modules run their imports before their own body, so this is the
// only way to mark before Vue, Dexie and the sync engine have been evaluated.
import { markBoot } from './marks.ts';

markBoot();
