import { reactive } from 'vue';
import { engine } from '../engine.ts';

/**
 * Who is typing where, as the engine reports it. The engine owns the policy (expiry, a
 * message or a lost connection ends a typing state: sync-protocol engine/typing.ts);
 * this store only mirrors its `typing` events into something Vue can render.
 */
const typingIn = reactive(new Map<string, string>()); // conversationId → typing user id

let tracking = false;

/** Subscribes once to the engine's typing events (the engine lives as long as the page). */
export function trackTyping(): void {
  if (tracking) return;
  tracking = true;
  engine.on('typing', ({ from, conversationId, typing }) => {
    if (typing) typingIn.set(conversationId, from);
    else typingIn.delete(conversationId);
  });
}

/** Reactive: whether the peer is typing in this conversation. */
export function isTyping(conversationId: string): boolean {
  return typingIn.has(conversationId);
}
