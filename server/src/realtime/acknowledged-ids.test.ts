import { describe, expect, it } from 'vitest';
import { LIMITS } from '@pigeon/sync-protocol';
import { AcknowledgedIds } from './acknowledged-ids.ts';

describe('AcknowledgedIds', () => {
  it('filters ids acknowledged before (and duplicates within one report)', () => {
    const acked = new AcknowledgedIds();
    expect(acked.fresh(['a', 'b', 'a'])).toEqual(['a', 'b']);
    acked.add(['a', 'b']);
    expect(acked.fresh(['a', 'c', 'b'])).toEqual(['c']);
  });

  it('remembers at most one full batch', () => {
    const acked = new AcknowledgedIds();
    const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => `m${from + i}`);
    acked.add(ids(0, LIMITS.receiptIdsMax));
    expect(acked.fresh(ids(0, LIMITS.receiptIdsMax))).toEqual([]);
    acked.add(ids(LIMITS.receiptIdsMax, 10));
    expect(acked.fresh(ids(0, 10))).toEqual(ids(0, 10)); // the oldest were forgotten
  });
});
