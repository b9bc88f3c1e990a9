import { isPigeonError, parseOrThrow, UP_EVENTS, type FailedAck, type UpEventName } from '@pigeon/sync-protocol';
import type { z } from 'zod';
import type { Logger } from '../log.ts';
import type { InFlight } from './in-flight.ts';

/** Returned by a handler that must not be acked (the test hook dropped the socket instead). */
export const NO_REPLY = Symbol('no-reply');

export type Reply = (response: unknown) => void;
export type Handler<T> = (payload: T, reply: Reply) => unknown | Promise<unknown>;

/** Minimal surface of a Socket.io socket, so the wrapper is testable with a stub. */
export interface EventSource {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** Where each socket's handler runs are tracked (gateway.ts: the node's InFlight, which a close waits for). */
const trackers = new WeakMap<EventSource, InFlight>();

/** The runs of every handler bound to `socket` from now on are tracked by `inFlight`. */
export function trackHandlers(socket: EventSource, inFlight: InFlight): void {
  trackers.set(socket, inFlight);
}

/**
 * Registers `handler` for `event` so that nothing a client sends can hurt the
 * process: the payload is validated with its sync-protocol schema first, any
 * error becomes a `{ ok: false, code, message }` ack (unexpected ones logged and
 * reported as INTERNAL without details), a missing or bogus ack callback is
 * tolerated, and a second reply is ignored. The handler's return value is the
 * ack (`{ ok: true }` when it returns nothing).
 */
export function bindHandler<S extends z.ZodType>(
  socket: EventSource,
  event: string,
  schema: S,
  handler: Handler<z.infer<S>>,
  log: Logger,
): void {
  socket.on(event, (...args: unknown[]) => {
    const last = args.at(-1);
    const ack = typeof last === 'function' ? (last as (res: unknown) => void) : undefined;
    const raw = typeof args[0] === 'function' ? undefined : args[0];
    let replied = false;
    const reply: Reply = (response) => {
      if (replied || !ack) return;
      replied = true;
      try {
        ack(response);
      } catch (err) {
        log.warn({ err, event }, 'ack failed');
      }
    };
    const run = (async () => {
      try {
        const payload = parseOrThrow(schema, raw);
        const result = await handler(payload, reply);
        if (result !== NO_REPLY) reply(result ?? { ok: true });
      } catch (err) {
        reply(toFailedAck(err, log, event));
      }
    })();
    trackers.get(socket)?.track(run);
  });
}

type UpPayloads = { [E in UpEventName]: z.infer<(typeof UP_EVENTS)[E]> };

/**
 * `bindHandler` for a client → server event of the contract: the schema is the one
 * `UP_EVENTS` gives the event, so an event cannot be bound with another's schema and
 * the payload type follows from the name.
 */
export function bindUpEvent<E extends UpEventName>(socket: EventSource, event: E, handler: Handler<UpPayloads[E]>, log: Logger): void {
  // TypeScript cannot narrow UP_EVENTS[E] for a generic E; the mapped type above is exactly its output.
  const schema = UP_EVENTS[event] as unknown as z.ZodType<UpPayloads[E]>;
  bindHandler(socket, event, schema, handler, log);
}

export function toFailedAck(err: unknown, log: Logger, event: string): FailedAck {
  if (isPigeonError(err)) return err.toAck();
  log.error({ err, event }, 'socket handler failed');
  return { ok: false, code: 'INTERNAL', message: 'internal error' };
}
