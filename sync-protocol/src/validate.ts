import type { z } from 'zod';
import { PigeonError } from './errors.ts';

/** Parses `input` or throws a VALIDATION PigeonError naming the first bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw new PigeonError('VALIDATION', `${where}${issue?.message ?? 'invalid input'}`, result.error.issues);
}
