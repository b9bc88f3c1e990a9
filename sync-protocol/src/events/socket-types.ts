/** Typed Socket.io event maps, shared by server (`Server<Up, Down>`) and client (`Socket<Down, Up>`). */
import type { ConversationMutedEvent } from '../model/notifications.ts';
import type { DeleteMessagePayload, EditMessagePayload, HideMessagePayload, ReactPayload } from '../model/message-action.ts';
import type { SendMessagesAck, SendMessagesPayload } from './send-batch.ts';
import type { MessageReadPayload, MessageReceivedPayload, SendMessagePayload, TypingPayload, UserStatusPayload } from './up.ts';
import type { ConversationUpdatedEvent, MessageActionAck, MessageStatusEvent, MessageUpdatedEvent, NewMessageEvent, OkAck, PresenceEvent, ReadPositionEvent, SendMessageAck, SyncHintEvent, TypingEvent, UserStatusAck, UserUpdatedEvent } from './down.ts';

export interface ClientToServerEvents {
  'send-message': (payload: SendMessagePayload, ack: (res: SendMessageAck) => void) => void;
  /** Batched sends (extension, send-batch.ts). */
  'send-messages': (payload: SendMessagesPayload, ack: (res: SendMessagesAck) => void) => void;
  'message-received': (payload: MessageReceivedPayload, ack?: (res: OkAck) => void) => void;
  'message-read': (payload: MessageReadPayload, ack?: (res: OkAck) => void) => void;
  typing: (payload: TypingPayload) => void;
  'typing-stopped': (payload: TypingPayload) => void;
  'user-status': (payload: UserStatusPayload, ack: (res: UserStatusAck) => void) => void;
  react: (payload: ReactPayload, ack: (res: MessageActionAck) => void) => void;
  'edit-message': (payload: EditMessagePayload, ack: (res: MessageActionAck) => void) => void;
  'delete-message': (payload: DeleteMessagePayload, ack: (res: MessageActionAck) => void) => void;
  /** Delete for me (extension). */
  'hide-message': (payload: HideMessagePayload, ack: (res: MessageActionAck) => void) => void;
}

export interface ServerToClientEvents {
  'new-message': (event: NewMessageEvent) => void;
  'message-status': (event: MessageStatusEvent) => void;
  /** A message's content changed: reaction, edit, delete (down.ts). */
  'message-updated': (event: MessageUpdatedEvent) => void;
  typing: (event: TypingEvent) => void;
  'typing-stopped': (event: TypingEvent) => void;
  /** A group's title or members changed (down.ts). */
  'conversation-updated': (event: ConversationUpdatedEvent) => void;
  /** The user read a group up to a seq on another device (down.ts). */
  'read-position': (event: ReadPositionEvent) => void;
  'user-online': (event: PresenceEvent) => void;
  'user-offline': (event: PresenceEvent) => void;
  /** The user muted or unmuted a chat on another device (model/notifications.ts). */
  'conversation-muted': (event: ConversationMutedEvent) => void;
  /** A user's profile changed: name, about line or photo (rest/profile.ts). */
  'user-updated': (event: UserUpdatedEvent) => void;
  /** Catch up now: events may have been lost between server nodes (down.ts). */
  'sync-hint': (event: SyncHintEvent) => void;
}
