import type { GroupRooms } from '../../groups/group-rooms.ts';
import type { Memberships } from '../../groups/memberships.ts';
import type { Logger } from '../../log.ts';
import type { Audience } from '../../privacy/audience.ts';
import type { ActionService } from '../../messages/action-service.ts';
import type { ReceiptService } from '../../messages/receipts.ts';
import type { SendService } from '../../messages/send-service.ts';
import type { TestHooks } from '../../test-hooks.ts';
import type { UserDirectory } from '../../users/user-directory.ts';
import type { InFlight } from '../in-flight.ts';
import type { Presence } from '../presence.ts';
import type { TypingTracker } from '../typing.ts';
import type { PigeonSocket } from '../types.ts';

/** Services shared by every socket. */
export interface RealtimeServices {
  sends: SendService;
  /** React, edit, delete for everyone, hide (message actions, contract v2). */
  actions: ActionService;
  receipts: ReceiptService;
  presence: Presence;
  typing: TypingTracker;
  users: UserDirectory;
  /** Who may see whose presence and typing. */
  audience: Audience;
  /** This node's copy of who is in which group. */
  memberships: Memberships;
  /** Every socket in the rooms of its user's groups. */
  groupRooms: GroupRooms;
  hooks: TestHooks;
  /** This node's running socket handlers: a close waits for them before closing the store (shutdown.ts). */
  inFlight: InFlight;
}

/** One authenticated socket and what its handlers may use. */
export interface HandlerContext {
  socket: PigeonSocket;
  userId: string;
  services: RealtimeServices;
  log: Logger;
}
