import { computed } from 'vue';
import { t } from '../../i18n/index.ts';

/**
 * "More actions", the label of every bubble's button (BubbleMoreButton.vue): translated once per
 * language for all of them, not twice per bubble (its aria-label and title). A chat's first frame
 * draws a screenful of bubbles, and those translations were ~30 ms of its render task at 4× CPU in
 * Lighthouse's open chat (issue #20). Not useI18n() either: its per-instance set-up showed there too.
 */
export const label = computed(() => t('chat.bubble.more'));
