import { groupByDay } from './group-by-day.ts';

/** What the chat list's rows need to know of a message (LocalMessage has all of it). */
export interface RowMessage {
  key: string;
  senderId: string;
  createdAt: string;
  type?: string;
  body: string;
  attachments?: readonly unknown[] | null;
  replyTo?: unknown;
  reactions?: readonly unknown[] | null;
}

export type ChatRow<M extends RowMessage> =
  | { kind: 'day'; key: string; label: string }
  | { kind: 'message'; key: string; message: M; firstInRun: boolean };

/**
 * A chat's history as the flat rows of the windowed list: a day divider before each calendar
 * day's first message, then the messages. A message opens a run (its tail, a group's sender
 * name) after a divider, another sender, or a system message.
 */
export function chatRows<M extends RowMessage>(messages: readonly M[], now = new Date()): ChatRow<M>[] {
  const rows: ChatRow<M>[] = [];
  for (const group of groupByDay(messages, now)) {
    rows.push({ kind: 'day', key: `day:${group.key}`, label: group.label });
    group.items.forEach((message, i) => {
      const previous = group.items[i - 1];
      const firstInRun = !previous || previous.senderId !== message.senderId || previous.type === 'system';
      rows.push({ kind: 'message', key: message.key, message, firstInRun });
    });
  }
  return rows;
}

/** Characters on one line of a bubble, roughly (a phone's bubble is narrower, but the first measurement corrects it). */
const CHARS_PER_LINE = 42;

/**
 * A row's height before it was ever drawn, in pixels: close enough that the scrollbar does not
 * jump much; the list measures each row once drawn and keeps the reader's place meanwhile.
 */
export function estimateRowHeight(row: ChatRow<RowMessage>): number {
  // Whole pixels, like the measured heights (useVirtualList).
  if (row.kind === 'day') return 44;
  const m = row.message;
  if (m.type === 'system') return 34;
  const lines = m.body ? m.body.split('\n').reduce((n, line) => n + Math.max(1, Math.ceil(line.length / CHARS_PER_LINE)), 0) : 0;
  let height = 18 + 21 * Math.max(1, lines) + (row.firstInRun ? 8 : 2);
  if (m.attachments?.length) height += 260;
  if (m.replyTo) height += 48;
  if (m.reactions?.length) height += 22;
  return height;
}
