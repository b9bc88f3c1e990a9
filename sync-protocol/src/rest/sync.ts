import { z } from 'zod';
import { LIMITS } from '../limits.ts';
import { messageSchema } from '../model/message.ts';
import { lazySchema } from '../lazy-schema.ts';

export const syncQuerySchema = lazySchema(() =>
  z.object({
    since: z.string().max(200).optional().default(''),
    limit: z.coerce.number().int().min(1).max(LIMITS.syncPageMax).default(LIMITS.syncPageDefault),
    /**
     * Extension (docs/api.md): `own-delivered` leaves out the caller's own `delivered` markings of
     * the 1:1 messages it received (they come at their last other change). The engine asks for it:
     * it stores what it receives as delivered, and its receipts would bring each page back.
     */
    omit: z.enum(['own-delivered']).optional(),
  }),
);
export type SyncQuery = z.infer<typeof syncQuerySchema>;

/** How the engine reads the feed (SyncQuery `omit`). */
export interface SyncOptions {
  omitOwnDelivered?: boolean;
}

/** Every message created or whose status changed after `since`, in change order. */
export const syncResponseSchema = lazySchema(() =>
  z.object({
    messages: z.array(messageSchema),
    cursor: z.string(),
    hasMore: z.boolean(),
  }),
);
export type SyncResponse = z.infer<typeof syncResponseSchema>;
