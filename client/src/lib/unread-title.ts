/** The tab title and app badge for the unread total (queries.unreadTotal: muted chats left out). */

export const APP_TITLE = 'Pigeon';
/** Above this the title shows "99+" (a badge shows the exact number: the platform shortens it). */
export const TITLE_COUNT_MAX = 99;

/** "(3) Pigeon"; plain "Pigeon" at 0 (or a nonsensical count). */
export function unreadTitle(total: number, base = APP_TITLE): string {
  if (!Number.isFinite(total) || total < 1) return base;
  const n = Math.floor(total);
  return `(${n > TITLE_COUNT_MAX ? `${TITLE_COUNT_MAX}+` : n}) ${base}`;
}
