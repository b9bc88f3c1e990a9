/**
 * What the profile checks read (#19 item 12, invariants-profiles.ts): every profile change the
 * harness made a device apply (updateProfile resolved: on the device and in its outbox), every
 * account's profile on the server (`GET /api/users/me` as that account), and what each device's
 * engine shows of its own user (`queries.user(id)`). Plain data, like check-input.ts.
 */

export interface ProfileApplied {
  device: string;
  userId: string;
  field: 'displayName' | 'about';
  value: string;
  /** The plan op that made it. */
  op: number;
}

export interface ProfileFields {
  displayName: string;
  about: string;
}

/** What one device shows of its signed-in user and its 1:1 peers (absent: no row). */
export interface DeviceProfiles {
  device: string;
  userId: string;
  expectedUserId: string;
  shown: Record<string, ProfileFields>;
}

export interface ProfileInput {
  applied: ProfileApplied[];
  /** userId → that account's profile on the server. */
  server: Record<string, ProfileFields>;
  devices: DeviceProfiles[];
}
