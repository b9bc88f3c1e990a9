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

const OFFLINE = "Can't reach the server. Check your connection.";

/** A request that got no answer (the engine's network errors carry `details.network`). */
function isNetworkFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('details' in error)) return false;
  const details = error.details as { network?: unknown } | undefined;
  return details?.network === true;
}

export function describeError(error: unknown, fallback = 'Something went wrong.'): string {
  if (isNetworkFailure(error)) return OFFLINE;
  const code = errorCode(error);
  if (code && MESSAGES[code]) return MESSAGES[code];
  if (code === 'VALIDATION' && error instanceof Error && error.message) return error.message;
  if (error instanceof TypeError || !navigator.onLine) return OFFLINE;
  if (error instanceof Error && error.message) return error.message;
  return fallback;
}

/**
 * Why a message the server refused was not sent, as a sentence for its bubble. The server's
 * own text ("to: blocked") is for developers; FORBIDDEN on a send means a block either way.
 * Whether the other person blocked us is not ours to know for sure, so that case says only
 * what the sender can tell.
 */
export function sendFailureReason(error: { code: string; message: string } | undefined, peerBlockedByMe: boolean): string {
  if (!error) return '';
  switch (error.code) {
    case 'FORBIDDEN':
      return peerBlockedByMe ? 'You blocked this contact.' : "This contact isn't accepting messages from you.";
    case 'NOT_FOUND':
      return "This account doesn't exist any more.";
    case 'PAYLOAD_TOO_LARGE':
      return 'The message is too long.';
    default:
      return error.message;
  }
}

/**
 * Why a group change (a system message of ours: the creation, a rename, an addition, a removal)
 * was refused, for its line in the chat. The group shows as before the change.
 */
export function groupChangeFailureReason(error: { code: string; message: string } | undefined): string {
  if (!error) return '';
  switch (error.code) {
    case 'FORBIDDEN':
      return "You're not allowed to do this in this group.";
    case 'NOT_FOUND':
      return "Someone's account, or the group, doesn't exist any more.";
    case 'CONFLICT':
      return 'This change no longer applies.';
    default:
      return error.message;
  }
}
