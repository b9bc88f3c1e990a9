import { z } from 'zod';
import { LIMITS } from '../limits.ts';
import { messageSchema } from '../model/message.ts';
import { lazySchema } from '../lazy-schema.ts';

export const syncQuerySchema = lazySchema(() =>
  z.object({
    since: z.string().max(200).optional().default(''),
    limit: z.coerce.number().int().min(1).max(LIMITS.syncPageMax).default(LIMITS.syncPageDefault),
  }),
);
export type SyncQuery = z.infer<typeof syncQuerySchema>;

/** Every message created or whose status changed after `since`, in change order. */
export const syncResponseSchema = lazySchema(() =>
  z.object({
    messages: z.array(messageSchema),
    cursor: z.string(),
    hasMore: z.boolean(),
  }),
);
export type SyncResponse = z.infer<typeof syncResponseSchema>;
