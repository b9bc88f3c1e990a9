/**
 * The drainer's pure rules (drainer.ts runs them): which transport an entry takes now, what a
 * message entry sends, and what a failed send means. No I/O, tested without sockets.
 */
import { conversationMembers } from '../../conversation-id.ts';
import { PERMANENT_SEND_ERRORS, PigeonError } from '../../errors.ts';
import type { SendMessageInput } from '../../model/message.ts';
import type { OutboxEntry } from '../local/local-db.ts';

export type Route = { via: 'socket' } | { via: 'rest' } | { via: 'wait'; ms: number };

export interface RouteOptions {
  socketFailuresBeforeRest: number;
  restFallbackAfterMs: number;
}

/** Pure: which transport to use for an entry right now. */
export function chooseRoute(
  s: { socketConnected: boolean; socketDownForMs: number; socketFailures: number },
  o: RouteOptions,
): Route {
  if (s.socketFailures >= o.socketFailuresBeforeRest) return { via: 'rest' };
  if (s.socketConnected) return { via: 'socket' };
  // Give a (re)connecting socket a moment before falling back to REST.
  if (s.socketDownForMs >= o.restFallbackAfterMs) return { via: 'rest' };
  return { via: 'wait', ms: o.restFallbackAfterMs - s.socketDownForMs };
}

/** Pure: what a message entry sends. 1:1 by `to`, so a v1 server understands it; a group by its id. */
export function sendInput(entry: OutboxEntry, attachmentIds?: readonly string[]): SendMessageInput {
  // A reply names its original by server id (resolved once the original was acked, ahead in this lane).
  const replyTo = entry.replyTo?.id ? { replyTo: entry.replyTo.id } : {};
  const files = attachmentIds && attachmentIds.length > 0 ? { attachmentIds: [...attachmentIds] } : {};
  return conversationMembers(entry.conversationId)
    ? { clientId: entry.clientId, to: entry.to, body: entry.body, ...replyTo, ...files }
    : { clientId: entry.clientId, conversationId: entry.conversationId, body: entry.body, ...replyTo, ...files };
}

export type FailureKind = 'permanent' | 'transient' | 'unauthenticated';

/** Pure: what a failed send means. Anything unknown is retried; a lost message is worse than a retry. */
export function classifySendError(e: unknown): FailureKind {
  if (e instanceof PigeonError) {
    if (e.code === 'UNAUTHENTICATED') return 'unauthenticated';
    if (PERMANENT_SEND_ERRORS.has(e.code)) return 'permanent';
  }
  return 'transient';
}
