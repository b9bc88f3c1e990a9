import { z } from 'zod';
import { lazySchema } from '../lazy-schema.ts';

/** What a system message records: who changed the group, and how. */
export const systemEventSchema = lazySchema(() =>
  z.object({
    // 'member-promoted' is an extension of the contract ("make admin").
    kind: z.enum(['group-created', 'members-added', 'member-removed', 'member-left', 'title-changed', 'member-promoted']),
    actorId: z.string(),
    /** group-created: every member but the creator; members-added: who was added; member-removed/-left: who left; member-promoted: the new admin. */
    userIds: z.array(z.string()).optional(),
    /** group-created and title-changed: the (new) title. */
    title: z.string().optional(),
    /**
     * member-removed / member-left (an extension): who the server made an admin because the last one
     * went (the oldest member). Said, so every device applies it as a fact of this seq instead of
     * guessing it from the members it happens to know (docs/reliability.md F7).
     */
    promotedIds: z.array(z.string()).optional(),
  }),
);
export type SystemEvent = z.infer<typeof systemEventSchema>;
