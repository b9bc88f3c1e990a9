/**
 * What the message-action checks read (#16, invariants-actions.ts): the actions the harness made
 * and the engines took (react, edit, delete for everyone, delete for me), the ones a device refused
 * at once, the replies, and each account's change feed (`GET /api/sync` from empty) at the end.
 * Plain data, like check-input.ts, so the checks run on made-up records and on a dump.
 */
import type { Message } from '@pigeon/sync-protocol';
import type { LocalMessage } from '../../sync-protocol/src/engine/api.ts';

export type ActionKind = 'react' | 'edit' | 'delete' | 'hide';

/** An action whose engine call resolved: the device committed it and queued it for the server. */
export interface ActionIssued {
  /** The op that made it (its index in the plan): the order of one device's actions. */
  op: number;
  device: string;
  /** The account signed in (always the device's own user: actions are never made by a guest). */
  actorId: string;
  /** The message's key (`senderId:clientId`). */
  key: string;
  kind: ActionKind;
  /** react: the emoji ('' removes). */
  emoji?: string;
  /** edit: the new body. */
  body?: string;
}

/**
 * A call the engine refused at once (a PigeonError before anything was queued), with what the
 * device showed of the message and the conversation just before and just after the call.
 */
export interface ActionRefusedHere {
  op: number;
  device: string;
  actorId: string;
  key: string;
  kind: ActionKind | 'reply';
  code: string;
  /** The message is the actor's own. */
  own: boolean;
  /** The device showed the message deleted for everyone, before or after the call. */
  deleted: boolean;
  /** The device showed the conversation writable, before and after the call. */
  writable: boolean;
  /** The device showed the message failed (refused for good, never stored), before or after the call. */
  failed?: boolean;
}

/** A reply a device's engine took (its send is also in `accepted` or the groups' `accepted`). */
export interface ReplyMade {
  key: string;
  /** The key of the message it answers. */
  target: string;
  device: string;
  op: number;
}

export interface ActionInput {
  issued: ActionIssued[];
  refusedHere: ActionRefusedHere[];
  replies: ReplyMade[];
  /** account id → its `GET /api/sync` from an empty cursor, all pages, in change order. */
  feeds: Record<string, Message[]>;
}

/** A row that showed an action refused by the server (`actionError`), and the account it was shown to. */
export interface RefusedRow {
  userId: string;
  row: LocalMessage;
}

/**
 * Every refusal a device showed: on its rows at the end, and on those its accounts left when they
 * signed out (the next account's sign-in clears them: `refusedAtSignOut`).
 */
export function refusalRows(dev: { userId: string; messages: Record<string, LocalMessage[]>; groups?: Record<string, { messages: LocalMessage[] }>; refusedAtSignOut?: RefusedRow[] }): RefusedRow[] {
  const now = rowsOf(dev).filter((row) => row.actionError).map((row) => ({ userId: dev.userId, row }));
  return [...(dev.refusedAtSignOut ?? []), ...now];
}

/** Every row a device holds: its 1:1 conversations and its groups (hidden rows merged in by the snapshot). */
export function rowsOf(dev: { messages: Record<string, LocalMessage[]>; groups?: Record<string, { messages: LocalMessage[] }> }): LocalMessage[] {
  return [...Object.values(dev.messages).flat(), ...Object.values(dev.groups ?? {}).flatMap((g) => g.messages)];
}

/** Keys `userId` deleted for themself (an accepted hide). */
export function hiddenBy(actions: ActionInput | undefined, userId: string): Set<string> {
  return new Set((actions?.issued ?? []).filter((a) => a.kind === 'hide' && a.actorId === userId).map((a) => a.key));
}

/**
 * Whether `body` is a body the server may hold for `key` after the harness's actions: the sent one,
 * an edit's, or '' once deleted for everyone (the delivery checks compare the sent body).
 */
export function bodyExplained(actions: ActionInput | undefined, key: string, m: { body: string; deletedAt?: string | null }): boolean {
  if (m.deletedAt && m.body === '') return true;
  return (actions?.issued ?? []).some((a) => a.kind === 'edit' && a.key === key && a.body === m.body);
}
