import { describe, expect, it } from 'vitest';
import type { ProfileInput } from './check-input-profiles.ts';
import { checkProfiles } from './invariants-profiles.ts';

const base = (): ProfileInput => ({
  applied: [
    { device: 'u0d0', userId: 'a', field: 'about', value: 'tea 1', op: 3 },
    { device: 'u0d0', userId: 'a', field: 'about', value: 'tea 2', op: 4 },
    { device: 'u0d1', userId: 'a', field: 'displayName', value: 'Ada 3', op: 5 },
  ],
  server: { a: { displayName: 'Ada 3', about: 'tea 2' }, b: { displayName: 'b', about: '' } },
  devices: [
    { device: 'u0d0', userId: 'a', expectedUserId: 'a', shown: { a: { displayName: 'Ada 3', about: 'tea 2' } } },
    { device: 'u0d1', userId: 'a', expectedUserId: 'a', shown: { a: { displayName: 'Ada 3', about: 'tea 2' } } },
    // A guest signed in: judged by the session checks, not here.
    { device: 'u1d0', userId: 'a', expectedUserId: 'b', shown: { a: { displayName: 'old', about: '' } } },
  ],
});

describe('profile invariants', () => {
  it('pass when every device shows the server’s profile and the server holds the last value of each field', () => {
    expect(checkProfiles({ profiles: base() })).toEqual([]);
    expect(checkProfiles({})).toEqual([]);
  });

  it('profile-converge: a device showing another name or about line than the server', () => {
    const input = base();
    input.devices[1]!.shown.a!.about = 'tea 1';
    expect(checkProfiles({ profiles: input }).map((v) => [v.invariant, v.diff])).toEqual([
      ['profile-converge', { device: 'u0d1', userId: 'a', field: 'about', shown: 'tea 1', server: 'tea 2' }],
    ]);
  });

  it('profile-lost: the server holds a value nobody set, or not the last of a single device', () => {
    const lost = base();
    lost.server.a!.displayName = 'a';
    lost.devices.forEach((d) => d.shown.a && d.expectedUserId === 'a' && (d.shown.a.displayName = 'a'));
    expect(checkProfiles({ profiles: lost }).map((v) => v.invariant)).toEqual(['profile-lost']);
    const older = base();
    older.server.a!.about = 'tea 1';
    older.devices.forEach((d) => d.shown.a && d.expectedUserId === 'a' && (d.shown.a.about = 'tea 1'));
    expect(checkProfiles({ profiles: older }).map((v) => v.message)).toEqual([expect.stringContaining('whose last (#4) set "tea 2"')]);
  });
});
