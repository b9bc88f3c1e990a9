import { describe, expect, it } from 'vitest';
import { maxStatus, statusRank, type LocalStatus } from './status.ts';

describe('message status', () => {
  const order: LocalStatus[] = ['pending', 'sent', 'delivered', 'read'];

  it('only moves forward: the later status wins in either arrival order', () => {
    for (const a of order)
      for (const b of order) {
        const later = order.indexOf(a) >= order.indexOf(b) ? a : b;
        expect(maxStatus(a, b)).toBe(later);
        expect(maxStatus(b, a)).toBe(later);
      }
  });

  it('read arriving before delivered stays read', () => {
    expect(maxStatus<LocalStatus>('read', 'delivered')).toBe('read');
    expect(maxStatus<LocalStatus>('sent', 'delivered')).toBe('delivered');
    expect(statusRank('read')).toBeGreaterThan(statusRank('delivered'));
  });
});
