import { z } from 'zod';
import { userSchema } from '../model/user.ts';

export const userSearchQuerySchema = z.object({ q: z.string().trim().max(64).optional().default('') });
export const meResponseSchema = z.object({ user: userSchema });
export const usersResponseSchema = z.object({ users: z.array(userSchema) });
