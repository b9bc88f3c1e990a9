/**
 * A server event reaching one memory transport's engine: copied (nothing is shared with the server's
 * state, as on a real wire) and parsed by the same schemas as the socket transport's.
 */
import { conversationUpdatedEventSchema, messageStatusEventSchema, messageUpdatedEventSchema, newMessageEventSchema, presenceEventSchema, readPositionEventSchema, syncHintEventSchema, typingEventSchema, userUpdatedEventSchema } from '../events/down.ts';
import type { ServerToClientEvents } from '../events/socket-types.ts';
import { conversationMutedEventSchema } from '../model/notifications.ts';
import type { TransportEvents } from '../engine/transport/transport.ts';

export function deliverEvent<E extends keyof ServerToClientEvents>(events: TransportEvents, event: E, payload: Parameters<ServerToClientEvents[E]>[0]): void {
  const copy: unknown = structuredClone(payload);
  if (event === 'new-message') events.newMessage(newMessageEventSchema.parse(copy).message);
  else if (event === 'message-status') events.status(messageStatusEventSchema.parse(copy));
  else if (event === 'typing' || event === 'typing-stopped') events.typing(typingEventSchema.parse(copy), event === 'typing');
  else if (event === 'user-online' || event === 'user-offline') events.presence(presenceEventSchema.parse(copy), event === 'user-online');
  else if (event === 'sync-hint' && syncHintEventSchema.safeParse(copy).success) events.syncHint?.();
  else if (event === 'conversation-updated') events.conversationUpdated?.(conversationUpdatedEventSchema.parse(copy).conversation);
  else if (event === 'message-updated') events.messageUpdated?.(messageUpdatedEventSchema.parse(copy).message);
  else if (event === 'read-position') events.readPosition?.(readPositionEventSchema.parse(copy));
  else if (event === 'conversation-muted') events.conversationMuted?.(conversationMutedEventSchema.parse(copy).mute);
  else if (event === 'user-updated') events.userUpdated?.(userUpdatedEventSchema.parse(copy));
}
