import { z } from 'zod';
import { LIMITS } from '../limits.ts';
import { userSchema } from '../model/user.ts';
import { textSchema } from '../text.ts';

/** Directory search: a prefix of at least 2 characters (a 1-letter query would list the whole directory). */
export const userSearchQuerySchema = z.object({ q: textSchema(LIMITS.userSearchMinChars, 64) });
export const meResponseSchema = z.object({ user: userSchema });
export const usersResponseSchema = z.object({ users: z.array(userSchema) });
