import { reactive } from 'vue';
import { engine } from '../engine.ts';

/**
 * Who is typing where, as the engine reports it. The engine owns the policy (expiry, a
 * message or a lost connection ends a typing state: sync-protocol engine/typing.ts);
 * this store only mirrors its `typing` events into something Vue can render. In a group
 * several members may type at once: each conversation keeps its typists in arrival order.
 */
const typingIn = reactive(new Map<string, string[]>()); // conversationId → typing user ids

let tracking = false;

/** Subscribes once to the engine's typing events (the engine lives as long as the page). */
export function trackTyping(): void {
  if (tracking) return;
  tracking = true;
  engine.on('typing', ({ from, conversationId, typing }) => {
    const others = (typingIn.get(conversationId) ?? []).filter((id) => id !== from);
    const next = typing ? [...others, from] : others;
    if (next.length > 0) typingIn.set(conversationId, next);
    else typingIn.delete(conversationId);
  });
}

/** Reactive: who is typing in this conversation (the peer, or a group's members), first to start first. */
export function typistsIn(conversationId: string): readonly string[] {
  return typingIn.get(conversationId) ?? [];
}

/** Reactive: whether someone (the peer in a 1:1 chat) is typing in this conversation. */
export function isTyping(conversationId: string): boolean {
  return typingIn.has(conversationId);
}
