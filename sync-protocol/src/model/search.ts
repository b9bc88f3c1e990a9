/**
 * Message search (contract v2, "Notifications and search"):
 *
 *   GET /api/messages/search?q=&conversationId=&limit=  → 200 { messages }
 *
 * The caller's messages (1:1 conversations they are in; groups within their membership periods)
 * whose body contains every word of `q` — a word of the query matches a word of the body that
 * starts with it, ignoring case and accents (search-text.ts, the same rule on every store and on
 * the device) — newest first. Deleted messages, messages the caller hid and system messages are
 * never found.
 */
import { z } from 'zod';
import { LIMITS } from '../limits.ts';
import { messageSchema } from './message.ts';
import { lazySchema } from '../lazy-schema.ts';

export const searchQuerySchema = lazySchema(() =>
  z.object({
    q: z.string().trim().min(1).max(LIMITS.searchQueryMaxChars),
    conversationId: z.string().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(LIMITS.searchResultsMax).default(LIMITS.searchResultsDefault),
  }),
);
export type SearchQuery = z.infer<typeof searchQuerySchema>;

export const searchResponseSchema = lazySchema(() => z.object({ messages: z.array(messageSchema) }));
export type SearchResponse = z.infer<typeof searchResponseSchema>;
