/**
 * The identity of a send, (senderId, clientId) as one string: both stores dedupe on it.
 * A senderId is an id the store generated and never contains NUL (a clientId cannot either:
 * the protocol allows only [A-Za-z0-9_-]), so two different pairs never give the same key.
 */
export function sendKey(send: { readonly senderId: string; readonly clientId: string }): string {
  return `${send.senderId}\u0000${send.clientId}`;
}
