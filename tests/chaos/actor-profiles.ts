/**
 * The profile side of a run (#19 item 12): executes the plan's profile ops (plan-profiles.ts) with
 * `engine.updateProfile({ [field]: value })` on the device, and at the end reads what the profile
 * checks need (invariants-profiles.ts): every account's profile on the server and what each device
 * shows of its own account and of its 1:1 peers. Made by a device's own user only (a guest is skipped), like
 * mutes. updateProfile is local (offline-first): a rejection or a hang is an `op-failed` observation.
 */
import { PigeonError, type User } from '@pigeon/sync-protocol';
import { OP_TIMEOUT_MS, type Account, type Device } from './actors.ts';
import type { DeviceProfiles, ProfileApplied, ProfileFields, ProfileInput } from './check-input-profiles.ts';
import type { History } from './history.ts';
import type { ProfileOp } from './plan-profiles.ts';

export interface ProfileStats {
  applied: number;
  skipped: number;
  /** Users whose profile was changed from two devices or more. */
  raced: number;
}

export function profileLine(p: ProfileStats | null): string {
  return p ? `profiles ${p.applied} (skipped ${p.skipped}, ${p.raced} users changed from two devices); ` : '';
}

export interface ProfileDriverOptions {
  accounts: Account[];
  devices: Device[];
  history: History;
  get: (account: Account, path: string) => Promise<Response>;
}

const fieldsOf = (u: Pick<User, 'displayName' | 'about'>): ProfileFields => ({ displayName: u.displayName, about: u.about ?? '' });

export class ProfileDriver {
  readonly applied: ProfileApplied[] = [];
  private skipped = 0;

  constructor(private readonly o: ProfileDriverOptions) {}

  async execute(op: ProfileOp, d: Device): Promise<string> {
    const me = d.account;
    const engine = d.live;
    if (!me || !engine) return this.skip('signed out');
    if (me !== d.home) return this.skip(`${me.username} signed in (a guest)`);
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer after ${OP_TIMEOUT_MS} ms`)), OP_TIMEOUT_MS)));
      await Promise.race([engine.updateProfile({ [op.field]: op.value }), timeout]);
    } catch (err) {
      const code = err instanceof PigeonError ? ` [${err.code}]` : '';
      d.observe('op-failed', `updateProfile(${op.field}=${JSON.stringify(op.value)})${code}: ${err instanceof Error ? err.message : String(err)} (connection ${d.connection()})`);
      return 'rejected';
    } finally {
      clearTimeout(timer);
    }
    this.applied.push({ device: d.name, userId: me.id, field: op.field, value: op.value.trim(), op: this.o.history.currentOp });
    return `${op.field} set`;
  }

  private skip(why: string): string {
    this.skipped++;
    return `skipped: ${why}`;
  }

  async input(): Promise<ProfileInput> {
    const server: Record<string, ProfileFields> = {};
    const peers = new Map<string, string[]>();
    for (const a of this.o.accounts) {
      const res = await this.o.get(a, '/api/users/me');
      if (!res.ok) throw new Error(`GET /api/users/me as ${a.username}: ${res.status} ${await res.text()}`);
      server[a.id] = fieldsOf(((await res.json()) as { user: User }).user);
      peers.set(a.id, await this.peersOf(a));
    }
    const devices: DeviceProfiles[] = [];
    for (const d of this.o.devices) {
      const engine = d.live;
      const userId = engine?.getState().userId ?? '';
      const shown: Record<string, ProfileFields> = {};
      // Its own user's profile, and its 1:1 peers' (a 1:1 chat lasts, so they get every change by
      // event, and the refresh after each connect). Not group members: a device may hold the row of
      // someone it no longer shares a group with, and hears of them no more.
      for (const id of userId ? [userId, ...(peers.get(userId) ?? [])] : []) {
        const row = engine ? await engine.queries.user(id) : undefined;
        if (row) shown[id] = fieldsOf(row);
      }
      devices.push({ device: d.name, userId, expectedUserId: d.home.id, shown });
    }
    return { applied: this.applied, server, devices };
  }

  /** The peers of the account's 1:1 chats, as the server lists them. */
  private async peersOf(a: Account): Promise<string[]> {
    const res = await this.o.get(a, '/api/messages/conversations');
    if (!res.ok) throw new Error(`GET /api/messages/conversations as ${a.username}: ${res.status} ${await res.text()}`);
    const { conversations } = (await res.json()) as { conversations: { peer?: { id: string } | null }[] };
    return conversations.flatMap((c) => (c.peer ? [c.peer.id] : []));
  }

  stats(): ProfileStats {
    const devicesPerUser = new Map<string, Set<string>>();
    for (const a of this.applied) devicesPerUser.set(a.userId, (devicesPerUser.get(a.userId) ?? new Set()).add(a.device));
    return { applied: this.applied.length, skipped: this.skipped, raced: [...devicesPerUser.values()].filter((s) => s.size > 1).length };
  }
}
