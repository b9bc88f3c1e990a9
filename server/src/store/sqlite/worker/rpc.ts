import { ERROR_STATUS, PigeonError, type ErrorCode } from '@pigeon/sync-protocol';
import type { Store } from '../../store.ts';

/**
 * The message format between the server's event loop and the SQLite worker.
 * Pure data: both sides exchange these through postMessage (structured clone).
 */

/** Every Store method that carries data; `close` is a lifecycle message of its own. */
export const STORE_CALLS = [
  'storeIdentity',
  'createUser',
  'findUserByUsername',
  'getUsers',
  'searchUsers',
  'setLastSeen',
  'setPasswordHash',
  'updateProfile',
  'createSession',
  'getSession',
  'rotateSession',
  'markSessionUsed',
  'revokeSession',
  'listSessions',
  'purgeSessions',
  'blockUser',
  'unblockUser',
  'blockedBy',
  'blockersOf',
  'isBlockedEitherWay',
  'sendMessages',
  'applyActions',
  'markDelivered',
  'markRead',
  'readPosition',
  'getHistory',
  'listConversations',
  'contactsOf',
  'changesSince',
  'createGroup',
  'changeGroup',
  'getGroup',
  'memberPeriods',
  'getMessage',
  'messageReceipts',
  'createAttachment',
  'getAttachment',
  'findAttachment',
  'attachmentsToSweep',
  'removeAttachments',
  'savePushSubscription',
  'deletePushSubscription',
  'dropPushEndpoint',
  'pushSubscriptionsOf',
  'setMute',
  'mutesOf',
  'mutedAmong',
  'searchMessages',
] as const satisfies readonly (keyof Store)[];

export type StoreCall = (typeof STORE_CALLS)[number];

export type WorkerCall = { call: StoreCall; args: unknown[] } | { call: 'close' };
export type WorkerRequest = WorkerCall & { id: number };

/** An error as it crosses the thread boundary: PigeonErrors keep their code, SQLite errors theirs. */
export type WireError =
  | { kind: 'pigeon'; code: ErrorCode; message: string; details?: unknown }
  | { kind: 'other'; name: string; message: string; code?: string; stack?: string };

export type WorkerResponse = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };

/** First message of a worker: the store opened (or why it could not). */
export type WorkerReady = { ready: true } | { ready: false; error: WireError };

export const isStoreCall = (name: unknown): name is StoreCall =>
  typeof name === 'string' && (STORE_CALLS as readonly string[]).includes(name);

export function toWireError(err: unknown): WireError {
  if (err instanceof PigeonError) {
    return { kind: 'pigeon', code: err.code, message: err.message, details: cloneable(err.details) };
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { kind: 'other', name: err.name, message: err.message, code: typeof code === 'string' ? code : undefined, stack: err.stack };
  }
  return { kind: 'other', name: 'Error', message: String(err) };
}

export function fromWireError(wire: WireError): Error {
  if (wire.kind === 'pigeon' && wire.code in ERROR_STATUS) return new PigeonError(wire.code, wire.message, wire.details);
  const err = new Error(wire.message) as Error & { code?: string };
  if (wire.kind === 'other') {
    err.name = wire.name;
    if (wire.code) err.code = wire.code;
    // The worker's stack says where it failed; ours would only say "a message arrived".
    if (wire.stack) err.stack = wire.stack;
  }
  return err;
}

/** Details are diagnostic; one that cannot be cloned must not turn a typed error into a DataCloneError. */
function cloneable(details: unknown): unknown {
  if (details === undefined) return undefined;
  try {
    return structuredClone(details);
  } catch {
    return String(details);
  }
}
