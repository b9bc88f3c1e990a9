/**
 * The keys of the meta table (local-db.ts): the session, cursors, per-conversation positions.
 * Apart from the Dexie module so a reader without Dexie (first-paint.ts) uses the same names.
 */
export const META = {
  /** The session's access token (a short-lived JWT). */
  token: 'token',
  /** The session's refresh token; absent when the server issued none. */
  refreshToken: 'refreshToken',
  /** When this device received the access token (device ms): its lifetime is counted from here. */
  tokenReceivedAt: 'tokenReceivedAt',
  /** The signed-in user; removed on sign-out and expiry. */
  userId: 'userId',
  /** `{ userId, reason }` of the last session that ended: other tabs report the same reason. */
  signedOut: 'signedOut',
  /** The user whose data this database holds; a different user signing in clears it first. */
  owner: 'owner',
  syncCursor: 'syncCursor',
  lastSyncAt: 'lastSyncAt',
  lease: 'outboxLease',
  /** Ids of the users the signed-in user has blocked, as last heard from the server (local/blocks.ts). */
  blocked: 'blocked',
  readPrefix: 'read:',
  /** `delivered:<group id>` → the account's delivered position there, as the server last said (down/read-positions.ts). */
  deliveredPrefix: 'delivered:',
  historyPrefix: 'history:',
  /**
   * `refused:<conversation id>` → `{ [row key]: actionError }`: actions the server refused while
   * their target's row was not on the device (after an account switch, before the catch-up brings
   * it back). The row shows the refusal when it is stored (up/actions.ts `failAction`).
   */
  refusedPrefix: 'refused:',
  /** `alias:<local group id>` → the server's id of a group created on this device (local/rekey.ts). */
  aliasPrefix: 'alias:',
  /** The media cache's budget in bytes, or null (keep everything); absent: the engine's default. Kept across account switches. */
  mediaBudget: 'mediaBudget',
} as const;
