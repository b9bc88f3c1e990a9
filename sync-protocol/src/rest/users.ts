import { z } from 'zod';
import { LIMITS } from '../limits.ts';
import { userSchema } from '../model/user.ts';
import { textSchema } from '../text.ts';
import { lazySchema } from '../lazy-schema.ts';

/** Directory search: a prefix of at least 2 characters (a 1-letter query would list the whole directory). */
export const userSearchQuerySchema = lazySchema(() =>
  z.object({ q: textSchema(LIMITS.userSearchMinChars, 64) }),
);
/**
 * Profiles by id (`GET /api/users?ids=a,b`, a contract extension): what a device needs to name
 * the members and senders of a group it has never talked to one to one. Comma-separated, at
 * most a group's worth.
 */
export const userLookupQuerySchema = lazySchema(() =>
  z.object({
    ids: z
      .string()
      .max(LIMITS.groupMembersMax * 65)
      .transform((s) => [...new Set(s.split(',').filter(Boolean))])
      .pipe(z.array(z.string().min(1).max(64)).min(1).max(LIMITS.groupMembersMax)),
  }),
);
export const meResponseSchema = lazySchema(() => z.object({ user: userSchema }));
export const usersResponseSchema = lazySchema(() => z.object({ users: z.array(userSchema) }));
