import { z } from 'zod';
import { LIMITS } from '../limits.ts';
import { hasBidiControl, textSchema } from '../text.ts';

export const userIdSchema = z.string().min(1).max(64);

export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(LIMITS.usernameMin)
  .max(LIMITS.usernameMax)
  .regex(/^[a-z0-9_.-]+$/, 'only a-z, 0-9, "_", "." and "-"');

/** 1..64 code points, well-formed, no bidi overrides or isolates (text.ts). */
export const displayNameSchema = textSchema(1, LIMITS.displayNameMax).refine((s) => !hasBidiControl(s), 'bidi control characters are not allowed');

/** A user as every client sees them: never a password hash. */
export const userSchema = z.object({
  id: userIdSchema,
  username: z.string(),
  displayName: z.string(),
  online: z.boolean(),
  lastSeen: z.string().nullable(),
});
export type User = z.infer<typeof userSchema>;
