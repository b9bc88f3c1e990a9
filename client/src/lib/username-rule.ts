/**
 * The server's username rule (sync-protocol's usernameSchema), checked before sending so the
 * sign-up form can say in words what is allowed instead of showing the server's validation text.
 * The form lower-cases what was typed, as the server does.
 */
import { LIMITS } from '@pigeon/sync-protocol/limits';

const ALLOWED = /^[a-z0-9_.-]+$/;

export type UsernameProblem = 'length' | 'characters' | null;

export function usernameProblem(username: string): UsernameProblem {
  const name = username.trim().toLowerCase();
  if (name.length < LIMITS.usernameMin || name.length > LIMITS.usernameMax) return 'length';
  return ALLOWED.test(name) ? null : 'characters';
}
