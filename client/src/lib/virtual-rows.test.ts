import { describe, expect, it } from 'vitest';
import { chatRows, estimateRowHeight, type RowMessage } from './virtual-rows.ts';

const msg = (key: string, senderId: string, createdAt: string, extra: Partial<RowMessage> = {}): RowMessage => ({ key, senderId, createdAt, body: 'hi', ...extra });

describe('chatRows', () => {
  const now = new Date('2026-03-10T12:00:00');
  const rows = chatRows(
    [
      msg('a', 'u1', '2026-03-09T10:00:00'),
      msg('b', 'u1', '2026-03-09T10:01:00'),
      msg('c', 'u2', '2026-03-09T10:02:00'),
      msg('s', 'u2', '2026-03-09T10:03:00', { type: 'system' }),
      msg('d', 'u2', '2026-03-09T10:04:00'),
      msg('e', 'u2', '2026-03-10T09:00:00'),
    ],
    now,
  );

  it('puts a divider before each day and marks the first bubble of each run', () => {
    expect(rows.map((r) => (r.kind === 'day' ? r.label : `${r.key}${r.firstInRun ? '*' : ''}`))).toEqual(['Yesterday', 'a*', 'b', 'c*', 's', 'd*', 'Today', 'e*']);
  });

  it('gives every row a unique key', () => {
    expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
  });

  it('estimates taller rows for long text, photos and quotes', () => {
    const short = estimateRowHeight({ kind: 'message', key: 'x', message: msg('x', 'u', ''), firstInRun: false });
    const long = estimateRowHeight({ kind: 'message', key: 'x', message: msg('x', 'u', '', { body: 'word '.repeat(60) }), firstInRun: false });
    const photo = estimateRowHeight({ kind: 'message', key: 'x', message: msg('x', 'u', '', { attachments: [{}] }), firstInRun: false });
    expect(long).toBeGreaterThan(short);
    expect(photo).toBeGreaterThan(long);
    expect(estimateRowHeight({ kind: 'day', key: 'd', label: 'Today' })).toBeGreaterThan(0);
  });
});
