/**
 * Turns whatever the engine threw into a sentence for the UI. The engine's errors carry a
 * wire `code` (see sync-protocol/src/errors.ts); we read it structurally so the bundle does
 * not need the error classes (and their zod schemas) just for this.
 */
const MESSAGES: Record<string, string> = {
  INVALID_CREDENTIALS: 'Wrong username or password.',
  USERNAME_TAKEN: 'That username is already taken.',
  RATE_LIMITED: 'Too many attempts. Wait a moment and try again.',
  UNAVAILABLE: 'The server is unavailable right now. Try again in a moment.',
  INTERNAL: 'Something went wrong on the server. Try again.',
  UNAUTHENTICATED: 'Your session has expired. Sign in again.',
};

export function errorCode(error: unknown): string | null {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return null;
}

export function describeError(error: unknown, fallback = 'Something went wrong.'): string {
  const code = errorCode(error);
  if (code && MESSAGES[code]) return MESSAGES[code];
  if (code === 'VALIDATION' && error instanceof Error && error.message) return error.message;
  if (error instanceof TypeError || !navigator.onLine) return "Can't reach the server. Check your connection.";
  if (error instanceof Error && error.message) return error.message;
  return fallback;
}
