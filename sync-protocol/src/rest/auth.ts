import { z } from 'zod';
import { LIMITS } from '../limits.ts';
import { userSchema, usernameSchema } from '../model/user.ts';

const passwordSchema = z
  .string()
  .min(LIMITS.passwordMin, `at least ${LIMITS.passwordMin} characters`)
  .max(LIMITS.passwordMax);

export const registerBodySchema = z.object({
  username: usernameSchema,
  password: passwordSchema,
  displayName: z.string().trim().min(1).max(LIMITS.displayNameMax).optional(),
});
export type RegisterBody = z.infer<typeof registerBodySchema>;

/** Login takes any string: a wrong shape is just wrong credentials, not a hint about accounts. */
export const loginBodySchema = z.object({
  username: z.string().trim().toLowerCase().min(1).max(LIMITS.usernameMax * 4),
  password: z.string().min(1).max(LIMITS.passwordMax),
});
export type LoginBody = z.infer<typeof loginBodySchema>;

export const authResponseSchema = z.object({ token: z.string(), user: userSchema });
export type AuthResponse = z.infer<typeof authResponseSchema>;
