/**
 * What the mute checks read (#18, invariants-mutes.ts): every mute the harness made a device apply
 * (setMuted resolved: the change is on the device and in its outbox), the server's mute records of
 * every account (`GET /api/conversations/mutes` as that account), and what each device's engine
 * shows as `muted` for the chats at stake (`queries.conversation(id)`). Plain data, like check-input.ts.
 */

/** One `setMuted` that resolved (accepted into the device's outbox). */
export interface MuteApplied {
  device: string;
  userId: string;
  conversationId: string;
  muted: boolean;
  /** The plan op that made it. */
  op: number;
}

export interface ServerMuteRecord {
  conversationId: string;
  muted: boolean;
  changedAt: string;
}

/** What one device shows, per chat: `muted` of its row, or null when the device has no row of it (not shown at all). */
export interface DeviceMutes {
  device: string;
  /** The account signed in on it at the snapshot, and the device's own. */
  userId: string;
  expectedUserId: string;
  muted: Record<string, boolean | null>;
}

export interface MuteInput {
  applied: MuteApplied[];
  /** userId → that account's records on the server. */
  server: Record<string, ServerMuteRecord[]>;
  devices: DeviceMutes[];
}
