/**
 * What the message menu offers for one message, and the sentences around message actions.
 * Pure: the windows are the contract's (LIMITS, judged by this device's clock; the server's clock
 * decides in the end, and a late refusal shows as the message's `actionError`), mirroring
 * sync-protocol/src/model/action-rules.ts.
 */
import { LIMITS } from '@pigeon/sync-protocol';
import type { LocalMessage } from '@pigeon/sync-protocol/engine';
import { t } from '../i18n/index.ts';

export type MessageActionId = 'reply' | 'react' | 'copy' | 'edit' | 'delete-everyone' | 'delete-me' | 'info';

/** Where the message menu opens: a point (right click, long press), or (`end`) with its right edge there (the "More actions" button). */
export interface MenuAnchor {
  x: number;
  y: number;
  end?: boolean;
}

export interface ActionContext {
  meId: string;
  /** This device's clock (ms). */
  now: number;
  /** The user may write in the conversation now (reply and react need it). */
  writable: boolean;
  /** A group: our own acknowledged messages offer "Message info". */
  group: boolean;
}

const age = (m: LocalMessage, now: number) => now - Date.parse(m.createdAt);
const isText = (m: LocalMessage) => (m.type ?? 'text') === 'text';

/** Our own text message, not deleted, still inside the 15-minute edit window. */
export function canEdit(m: LocalMessage, meId: string, now: number): boolean {
  return m.senderId === meId && isText(m) && !m.deletedAt && m.status !== 'failed' && age(m, now) <= LIMITS.editWindowMs;
}

/** Our own message, not deleted yet, inside the 48-hour window. */
export function canDeleteForEveryone(m: LocalMessage, meId: string, now: number): boolean {
  return m.senderId === meId && isText(m) && !m.deletedAt && m.status !== 'failed' && age(m, now) <= LIMITS.deleteWindowMs;
}

/**
 * The menu's entries for `m`, in menu order. A tombstone offers only "Delete for me"; a message
 * the server refused (failed) only "Copy" (its bubble has Retry). "Copy" needs text: a photo
 * without caption has none.
 */
export function availableActions(m: LocalMessage, ctx: ActionContext): MessageActionId[] {
  if (!isText(m)) return [];
  const copy: MessageActionId[] = m.body ? ['copy'] : [];
  if (m.status === 'failed') return copy;
  if (m.deletedAt) return ['delete-me'];
  const out: MessageActionId[] = [];
  if (ctx.writable) out.push('reply', 'react');
  out.push(...copy);
  if (canEdit(m, ctx.meId, ctx.now)) out.push('edit');
  if (ctx.group && m.senderId === ctx.meId && m.id !== null) out.push('info');
  if (canDeleteForEveryone(m, ctx.meId, ctx.now)) out.push('delete-everyone');
  out.push('delete-me');
  return out;
}

/** The newest of our messages that Up arrow may edit now, or undefined. */
export function lastEditable(messages: readonly LocalMessage[], meId: string, now: number): LocalMessage | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.senderId !== meId || !isText(m)) continue;
    return canEdit(m, meId, now) ? m : undefined;
  }
  return undefined;
}

const ACTION_KINDS = new Set(['react', 'edit', 'delete', 'hide']);

/** The notice on a bubble whose action the server refused for good. */
export function actionErrorText(m: Pick<LocalMessage, 'actionError' | 'deletedAt'>): string {
  const e = m.actionError;
  if (!e) return '';
  const head = t(`chat.actions.notApplied.${ACTION_KINDS.has(e.kind) ? e.kind : 'other'}`);
  return t('chat.actions.errorLine', { head, reason: actionErrorReason(e.kind, e.code, Boolean(m.deletedAt), e.message) });
}

function actionErrorReason(kind: string, code: string, deleted: boolean, message: string): string {
  switch (code) {
    case 'CONFLICT':
      if (deleted || kind === 'react') return t('chat.actions.reason.deleted');
      if (kind === 'edit') return t('chat.actions.reason.editWindow');
      if (kind === 'delete') return t('chat.actions.reason.deleteWindow');
      return t('chat.actions.reason.changed');
    case 'FORBIDDEN':
      return t('chat.actions.reason.forbidden');
    case 'NOT_FOUND':
      return t('chat.actions.reason.notFound');
    default:
      return message || t('chat.actions.reason.refused');
  }
}

/** One line of a quote: the original's first characters, or what stands in for a deleted one. */
export function quoteText(preview: string): string {
  return preview === '' ? t('chat.bubble.quoteDeleted') : preview;
}
