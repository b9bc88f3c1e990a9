import { z } from 'zod';
import { LIMITS } from '../limits.ts';
import { displayNameSchema, userSchema, usernameSchema } from '../model/user.ts';
import { lazySchema } from '../lazy-schema.ts';

const passwordSchema = lazySchema(() =>
  z
    .string()
    .min(LIMITS.passwordMin, `at least ${LIMITS.passwordMin} characters`)
    .max(LIMITS.passwordMax),
);

export const registerBodySchema = lazySchema(() =>
  z.object({
    username: usernameSchema,
    password: passwordSchema,
    displayName: displayNameSchema.optional(),
  }),
);
export type RegisterBody = z.infer<typeof registerBodySchema>;

/** Login takes any string: a wrong shape is just wrong credentials, not a hint about accounts. */
export const loginBodySchema = lazySchema(() =>
  z.object({
    username: z.string().trim().toLowerCase().min(1).max(LIMITS.usernameMax * 4),
    password: z.string().min(1).max(LIMITS.passwordMax),
  }),
);
export type LoginBody = z.infer<typeof loginBodySchema>;

/**
 * `token` is a short-lived access token (JWT, about 15 min); `refreshToken` is opaque,
 * works once (`POST /api/auth/refresh` rotates it) and lasts while the session is used.
 */
export const authResponseSchema = lazySchema(() =>
  z.object({ token: z.string(), refreshToken: z.string(), user: userSchema }),
);
export type AuthResponse = z.infer<typeof authResponseSchema>;

/** Refresh tokens are 43 base64url characters (32 random bytes); anything else is refused as UNAUTHENTICATED. */
export const refreshBodySchema = lazySchema(() => z.object({ refreshToken: z.string().min(1).max(256) }));
export type RefreshBody = z.infer<typeof refreshBodySchema>;
export const refreshResponseSchema = lazySchema(() =>
  z.object({ token: z.string(), refreshToken: z.string() }),
);
export type RefreshResponse = z.infer<typeof refreshResponseSchema>;

/** One signed-in device. `current` is the session of the token that asked. */
export const sessionSchema = lazySchema(() =>
  z.object({
    id: z.string(),
    userAgent: z.string(),
    createdAt: z.string(),
    lastSeenAt: z.string(),
    current: z.boolean(),
  }),
);
export type SessionInfo = z.infer<typeof sessionSchema>;
export const sessionsResponseSchema = lazySchema(() => z.object({ sessions: z.array(sessionSchema) }));
export const sessionIdParamSchema = lazySchema(() => z.object({ id: z.string().min(1).max(64) }));
