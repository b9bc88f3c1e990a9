/**
 * Turns whatever the engine threw into a sentence for the UI, in the UI's language: a wire
 * `code` (see sync-protocol/src/errors.ts) maps to `common.errors.<CODE>`. We read the code
 * structurally so the bundle does not need the error classes (and their zod schemas) just for this.
 */
import { t } from '../i18n/index.ts';

/** Every code the server sends (i18n.test.ts checks each has a sentence in both languages). */
const CODES = new Set([
  'VALIDATION',
  'UNAUTHENTICATED',
  'INVALID_CREDENTIALS',
  'FORBIDDEN',
  'NOT_FOUND',
  'USERNAME_TAKEN',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'INTERNAL',
  'UNAVAILABLE',
]);

export function errorCode(error: unknown): string | null {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return null;
}

/** A request that got no answer (the engine's network errors carry `details.network`). */
function isNetworkFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('details' in error)) return false;
  const details = error.details as { network?: unknown } | undefined;
  return details?.network === true;
}

/**
 * The sentence for an error. The server's own text (a zod path, "to: blocked") is for developers
 * and never shown: an unknown error says `fallback` (default "Something went wrong.").
 */
export function describeError(error: unknown, fallback?: string): string {
  if (isNetworkFailure(error)) return t('common.errors.offline');
  const code = errorCode(error);
  if (code && CODES.has(code)) return t(`common.errors.${code}`);
  if (error instanceof TypeError || (typeof navigator !== 'undefined' && !navigator.onLine)) return t('common.errors.offline');
  return fallback ?? t('common.errors.generic');
}

/**
 * Why a message the server refused was not sent, as a sentence for its bubble. FORBIDDEN on a
 * send means a block either way. Whether the other person blocked us is not ours to know for
 * sure, so that case says only what the sender can tell.
 */
export function sendFailureReason(error: { code: string; message: string } | undefined, peerBlockedByMe: boolean): string {
  if (!error) return '';
  switch (error.code) {
    case 'FORBIDDEN':
      return peerBlockedByMe ? t('common.sendFailure.blockedByMe') : t('common.sendFailure.notAccepting');
    case 'NOT_FOUND':
      return t('common.sendFailure.noAccount');
    case 'PAYLOAD_TOO_LARGE':
      return t('common.sendFailure.tooLong');
    default:
      return describeError(error);
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
      return t('common.groupFailure.forbidden');
    case 'NOT_FOUND':
      return t('common.groupFailure.notFound');
    case 'CONFLICT':
      return t('common.groupFailure.conflict');
    default:
      return describeError(error);
  }
}
