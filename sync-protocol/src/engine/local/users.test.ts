import { describe, expect, it } from 'vitest';
import type { User } from '../../model/user.ts';
import { withKnownPresence } from './users.ts';

const bo = (online: boolean, lastSeen: string | null, displayName = 'Bo'): User => ({ id: 'u-bo', username: 'bo', displayName, online, lastSeen, about: '', avatar: null });

describe('withKnownPresence', () => {
  it('an answer showing no presence keeps the last seen the device learned (a slow lookup after a user-offline)', () => {
    const row = bo(false, '2026-12-02T10:00:00.000Z');
    expect(withKnownPresence(bo(false, null, 'Bo B.'), row)).toEqual({ ...bo(false, '2026-12-02T10:00:00.000Z', 'Bo B.') });
    expect(withKnownPresence(bo(false, null), bo(true, null))).toEqual(bo(true, null));
  });

  it('an answer that shows presence, or a user the device did not hold, is stored as it is', () => {
    const row = bo(false, '2026-12-02T10:00:00.000Z');
    expect(withKnownPresence(bo(true, '2026-12-02T10:00:00.000Z'), row)).toEqual(bo(true, '2026-12-02T10:00:00.000Z'));
    expect(withKnownPresence(bo(false, '2026-12-02T11:00:00.000Z'), row)).toEqual(bo(false, '2026-12-02T11:00:00.000Z'));
    expect(withKnownPresence(bo(false, null), undefined)).toEqual(bo(false, null));
  });
});
