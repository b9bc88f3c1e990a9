import { reactive } from 'vue';
import { engine } from '../engine.ts';

/**
 * Who is typing where. The server expires a typing state after 5 s without renewal and
 * sends `typing-stopped`; the local timer is a backstop for a lost event or a dropped socket.
 */
const BACKSTOP_MS = 6_000;

const typingIn = reactive(new Map<string, string>()); // conversationId → typing user id
const timers = new Map<string, ReturnType<typeof setTimeout>>();

function stopTyping(conversationId: string) {
  typingIn.delete(conversationId);
  clearTimeout(timers.get(conversationId));
  timers.delete(conversationId);
}

function startTyping(conversationId: string, from: string) {
  typingIn.set(conversationId, from);
  clearTimeout(timers.get(conversationId));
  timers.set(conversationId, setTimeout(() => stopTyping(conversationId), BACKSTOP_MS));
}

let tracking = false;

/** Subscribes once to the engine's typing events (the engine lives as long as the page). */
export function trackTyping(): void {
  if (tracking) return;
  tracking = true;
  engine.on('typing', ({ from, conversationId, typing }) => {
    if (typing) startTyping(conversationId, from);
    else stopTyping(conversationId);
  });
  // A message from the typist ends their typing state at once, as in other messengers.
  engine.on('message', (message) => {
    if (typingIn.get(message.conversationId) === message.senderId) stopTyping(message.conversationId);
  });
  engine.on('state', ({ connection }) => {
    if (connection !== 'online') [...typingIn.keys()].forEach(stopTyping);
  });
}

/** Reactive: whether the peer is typing in this conversation. */
export function isTyping(conversationId: string): boolean {
  return typingIn.has(conversationId);
}
