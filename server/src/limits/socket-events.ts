import { UP_EVENTS, type FailedAck } from '@pigeon/sync-protocol';
import type { Logger } from '../log.ts';
import { EventBudget } from './event-budget.ts';
import type { Limiter } from './limiter.ts';

/** The window of both event budgets (SOCKET_EVENT_LIMIT and USER_EVENT_LIMIT are "per 10 s"). */
export const EVENT_WINDOW_MS = 10_000;

/**
 * `send-message` has its own per-user budget (SEND_RATE_LIMIT, send-limit.ts), shared with REST.
 * The message actions (react, edit-message, delete-message, hide-message) take that budget too
 * (messages/action-service.ts) but stay counted here: SEND_RATE_LIMIT is taken only once a payload
 * is valid, so without these budgets a stream of malformed actions would cost nothing.
 */
const OWN_BUDGET = new Set(['send-message']);
/** Every event a client may send: the contract's, as sync-protocol lists them. Anything else is dropped. */
const KNOWN = new Set<string>(Object.keys(UP_EVENTS));

/** The part of a Socket.io socket this needs (a stub in unit tests). */
export interface LimitedSocket {
  use(fn: (packet: unknown[], next: (err?: Error) => void) => void): unknown;
  disconnect(close?: boolean): unknown;
}

export interface SocketEventLimitOptions {
  userId: string;
  /** Events per socket per window (SOCKET_EVENT_LIMIT), counted in memory; 0 = off. */
  socketEventLimit: number;
  /** Events per user per window, across sockets and nodes (USER_EVENT_LIMIT). */
  userLimiter: Limiter;
  log: Logger;
  now?: () => number;
}

/**
 * The budgets of client events as ONE Socket.io middleware, so a handler added
 * later cannot be forgotten: every packet of this socket passes here before any
 * handler runs. In order:
 *
 *  1. `send-message` passes untouched (its own limit);
 *  2. the socket's budget counts the packet (unknown events too). Far over it
 *     (3× in one window) the socket is disconnected: a client that ignores
 *     RATE_LIMITED is a flood, not a user;
 *  3. an event outside the contract is dropped;
 *  4. over the socket's budget, or then over the user's (shared through Redis),
 *     an event with an ack gets `{ ok: false, code: 'RATE_LIMITED' }` and its
 *     handler does not run; one without an ack is dropped.
 *
 * The user budget is asynchronous (Redis), and Socket.io would run a packet's
 * handler as soon as its middleware calls next(): the decisions are chained per
 * socket so events still reach their handlers in the order they arrived
 * (`typing` then `typing-stopped` must not swap).
 */
export function limitSocketEvents(socket: LimitedSocket, options: SocketEventLimitOptions): void {
  const { userId, userLimiter, log } = options;
  const budget = new EventBudget({ limit: options.socketEventLimit, windowMs: EVENT_WINDOW_MS, now: options.now });
  let decided: Promise<void> = Promise.resolve();
  let cut = false;

  socket.use((packet, next) => {
    const event = packet[0];
    if (typeof event === 'string' && OWN_BUDGET.has(event)) return next();
    const verdict = budget.take();
    if (verdict.kind === 'abusive') {
      if (!cut) {
        cut = true;
        log.warn({ userId, limit: options.socketEventLimit }, 'socket disconnected: client events far over the limit');
        socket.disconnect(true);
      }
      return;
    }
    if (typeof event !== 'string' || !KNOWN.has(event)) return;
    if (verdict.kind === 'over') return refuse(packet, 'too many events on this connection');
    decided = decided.then(async () => {
      const shared = await userLimiter.consume(userId);
      if (shared.allowed) next();
      else refuse(packet, 'too many events from this user');
    });
  });
}

function refuse(packet: unknown[], message: string): void {
  const ack = packet.at(-1);
  if (typeof ack !== 'function') return;
  const reply: FailedAck = { ok: false, code: 'RATE_LIMITED', message };
  try {
    (ack as (res: FailedAck) => void)(reply);
  } catch {
    // The connection is gone; nothing to tell.
  }
}
