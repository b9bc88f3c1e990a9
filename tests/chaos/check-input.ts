/**
 * What the end-of-run checks read (invariants.ts, invariants-devices.ts): what the harness
 * accepted, what the server holds, what each device holds, what each device was seen doing
 * while the run went on, and what the server said about sessions. Plain data, so the checks
 * can run on made-up input and a dump can be re-checked offline.
 */
import type { Member, Message } from '@pigeon/sync-protocol';
import { conversationMembers } from '@pigeon/sync-protocol';
import type { LocalMessage } from '../../sync-protocol/src/engine/api.ts';
import type { ActionInput, RefusedRow } from './check-input-actions.ts';
import type { AttachmentInput } from './check-input-attachments.ts';
import type { MuteInput } from './check-input-mutes.ts';
import type { ProfileInput } from './check-input-profiles.ts';

export * from './check-input-actions.ts';
export * from './check-input-attachments.ts';
export * from './check-input-mutes.ts';
export * from './check-input-profiles.ts';

/** A message `send` resolved for: the device promised to deliver it. */
export interface Accepted {
  key: string;
  clientId: string;
  /** The account signed in on the device when it was sent (its own user, or a guest during an account switch). */
  senderId: string;
  recipientId: string;
  conversationId: string;
  body: string;
  device: string;
  op: number;
}

export interface DeviceSnapshot {
  name: string;
  /** The user the engine is signed in as at the end ('' when signed out). */
  userId: string;
  /** The device's own user: every device ends the run signed in as it (account switches end). */
  expectedUserId?: string;
  /** Every conversation id the harness knows about → what the device shows for it. */
  messages: Record<string, LocalMessage[]>;
  outbox: LocalMessage[];
  /** 1:1 conversation ids from the device's own conversation list (its groups are in `groups`). */
  conversationIds: string[];
  /** Groups (invariants-groups*.ts): by id, every group the world knows and every one the device lists. */
  groups?: Record<string, DeviceGroup>;
  /** Group messages and changes that failed for good (the server refused them), from the outbox. */
  groupFailed?: LocalMessage[];
  /**
   * Message actions (#16): rows deleted for me are left out of `queries.messages`; the snapshot
   * merges the ones it finds (`queries.message`) back into `messages` and `groups`, in seq order.
   * These are the keys `queries.messages` showed although their row says hidden.
   */
  hiddenShown?: string[];
  /** Rows showing an action the server refused when their account signed out here (cleared since). */
  refusedAtSignOut?: RefusedRow[];
  /** Words whose search on the device did not find exactly the shown messages with them (search-probe.ts). */
  searchMismatch?: string[];
  /** Messages stored in two places, or blocks out of shape (storage-probe.ts, issue #20). */
  storageProblem?: string[];
}

/** What a device shows of one group. */
export interface DeviceGroup {
  /** queries.messages: acked in seq order, then the unacked (a failed change or send stays, failed). */
  messages: LocalMessage[];
  /** In the device's conversation list. */
  listed: boolean;
  writable: boolean;
  title: string;
  members: Member[];
  /** Keys queries.messages showed although their row says hidden (deleted for me, #16). */
  hiddenShown?: string[];
}

/** A group creation, message or change a device's call resolved for (its outbox took it). */
export interface GroupAccepted {
  /** `${senderId}:${clientId}`: the key of the message, or of the change's system message. */
  key: string;
  senderId: string;
  /** The group, by the key of its group-created message (known from the creation on, unlike its server id). */
  group: string;
  kind: 'create' | 'text' | 'rename' | 'add' | 'remove' | 'promote';
  body?: string;
  /** create, rename. */
  title?: string;
  /** create: the members besides the creator; add: who; remove: whom (the sender: leaving); promote: whom. */
  userIds?: string[];
  device: string;
  op: number;
  /** The group's highest seq the device held when the call was made: the server was at least there. */
  knownSeq: number;
}

/** One group as the server shows it through REST at the end. */
export interface GroupServer {
  id: string;
  /** Each account's `GET /api/messages/conversation?id=`, all pages, oldest first; null when refused (never a member). */
  histories: Record<string, Message[] | null>;
  /** `GET /api/conversations/:id` by a current member; null when nobody is one. */
  info: { title: string; members: Member[] } | null;
}

/** A group message a device's engine applied (its `message` event) while `accountId` was signed in there. */
export interface GroupApplied {
  device: string;
  accountId: string;
  conversationId: string;
  seq: number;
  key: string;
  t: number;
  op: number;
}

/** A group call the device refused at once (FORBIDDEN: it knows its user may not write; NOT_FOUND: it does not know the group). */
export interface GroupRefusedHere {
  device: string;
  accountId: string;
  group: string;
  what: string;
  op: number;
  code: string;
  knownSeq: number;
  /** The seqs of the group the device held then (a gap: its view of the members may be older than knownSeq). */
  held: number[];
  /**
   * The seqs it held right after the refusal: copies the device stored between the two reads (a
   * removal arriving live while the call ran) may be what it refused on (chaos seed 1, CI of 3d7cd0c).
   */
  heldAfter?: number[];
  /** The device had queued its user's leaving of the group before: it shows read-only from then on. */
  ownLeaveBefore: boolean;
}

export interface GroupInput {
  accepted: GroupAccepted[];
  refusedHere: GroupRefusedHere[];
  /** Every group in any account's conversation list. */
  server: GroupServer[];
  applied: GroupApplied[];
}

export type ObservationKind =
  | 'status-backwards'
  | 'vanished'
  | 'seq-changed'
  | 'foreign-message'
  | 'signed-out'
  | 'resume-failed'
  /** The device could not sign an account in (account switch) once the network was clean and the server up. */
  | 'switch-failed'
  /** An engine call that an offline-first device should always complete locally rejected or hung. */
  | 'op-failed'
  /** The engine's `error` event: by its contract, a bug or a broken database, never a network error. */
  | 'engine-error'
  /** Message actions (#16): a row's server version went down (a stale copy applied over a newer one). */
  | 'version-backwards'
  /** A row shown deleted for everyone by the server (no action of this device pending) was later shown not deleted. */
  | 'undeleted';

/** Something a device was seen doing while the run went on (not visible in the final state). */
export interface Observation {
  device: string;
  kind: ObservationKind;
  key?: string;
  detail: string;
  t: number;
  op: number;
}

/**
 * The server revoked a session because a replaced refresh token was presented again past the
 * reuse grace (its warn log line `refresh token reused: session revoked`). Every client of a
 * run is honest, so this must never happen.
 */
export interface TokenReuse {
  userId: string;
  sessionId: string;
  sinceRotationMs: number | null;
  /** When the server logged it (its log's time, ISO). */
  at: string;
}

export type InvariantName =
  /** The run itself could not complete (server would not start, setup failed): not a verdict on Pigeon by itself. */
  | 'harness'
  | 'settled'
  | 'once-on-server'
  | 'once-on-devices'
  | 'same-order'
  | 'no-gaps'
  | 'sender-order'
  | 'same-status'
  | 'status-monotonic'
  | 'privacy'
  | 'outbox-empty'
  | 'session'
  | 'token-reuse'
  | 'device-api'
  /** 2 nodes (invariants-cluster.ts): presence and typing heal after a node's death; a surviving node acks in time. */
  | 'presence-heal'
  | 'typing-heal'
  | 'ack-latency'
  /** A node logged an unhandled rejection or route error (server-log.ts). */
  | 'server-error'
  /** Groups (invariants-groups.ts, invariants-groups-devices.ts). */
  | 'group-once'
  | 'group-gaps'
  | 'group-rules'
  | 'group-refusal'
  | 'group-periods'
  | 'group-sender-order'
  | 'group-privacy'
  | 'group-converge'
  | 'group-status'
  | 'group-writable'
  /** Message actions (#16, invariants-actions.ts). */
  | 'action-converge'
  | 'action-once'
  | 'action-hidden'
  | 'action-terminal'
  | 'action-window'
  | 'action-refusal'
  | 'action-reply'
  /** Attachments (#17, invariants-attachments.ts). */
  | 'attachment-once'
  | 'attachment-converge'
  | 'attachment-bytes'
  | 'attachment-never-lost'
  /** Mutes (#18, invariants-mutes.ts). */
  | 'mute-converge'
  | 'mute-lost'
  /** Profiles (#19 item 12, invariants-profiles.ts). */
  | 'profile-converge'
  | 'profile-lost'
  /** The device's search finds exactly the shown messages with a word (search-probe.ts, issue #20). */
  | 'device-search'
  /** Each message stored in one place, blocks in shape (storage-probe.ts, issue #20). */
  | 'device-storage';

export interface Violation {
  invariant: InvariantName;
  message: string;
  keys?: string[];
  diff?: unknown;
  /** A device and a moment (ms into the run) whose history explains it (sessions, the device API). */
  around?: { device: string; t: number };
}

export interface CheckInput {
  userIds: string[];
  conversationIds: string[];
  accepted: Accepted[];
  server: Record<string, Message[]>;
  devices: DeviceSnapshot[];
  observations: Observation[];
  /** From the server's log; absent when the run did not read it. */
  tokenReuses?: TokenReuse[];
  /** Groups; absent in a run without group ops. */
  groups?: GroupInput;
  /** Message actions; absent in a run without action ops. */
  actions?: ActionInput;
  /** Sends with files; absent in a run without them. */
  attachments?: AttachmentInput;
  /** Mutes; absent in a run without mute ops. */
  mutes?: MuteInput;
  /** Profiles; absent in a run without profile ops. */
  profiles?: ProfileInput;
}

export const keyOf = (m: { senderId: string; clientId: string }) => `${m.senderId}:${m.clientId}`;

export function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

export const members = (conversationId: string): string[] => conversationMembers(conversationId) ?? [];

/** A group's message (or a change's) the server refused: judged by the group checks, not a stuck outbox. */
export const judgedByGroups = (m: { status: string; conversationId: string }) => m.status === 'failed' && conversationMembers(m.conversationId) === null;
