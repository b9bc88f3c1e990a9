/**
 * The mute side of a run (#18): executes the plan's mute ops (plan-mutes.ts) with
 * `engine.setMuted(conversationId, muted)` on the device, and at the end reads what the mute checks
 * need (invariants-mutes.ts): every account's records on the server and what each device shows.
 *
 * Made by a device's own user only (a guest signed in on it is skipped), like actions and files.
 * setMuted is local (offline-first): it must resolve whatever the network does; a rejection or a
 * hang is an `op-failed` observation, like a send's.
 */
import { directConversationId, PigeonError } from '@pigeon/sync-protocol';
import { OP_TIMEOUT_MS, type Account, type Device } from './actors.ts';
import type { DeviceMutes, MuteApplied, MuteInput, ServerMuteRecord } from './check-input-mutes.ts';
import type { History } from './history.ts';
import type { MuteOp } from './plan-mutes.ts';

export interface MuteStats {
  applied: number;
  skipped: number;
  /** (user, chat) pairs changed from two devices or more. */
  raced: number;
}

export function muteLine(m: MuteStats | null): string {
  return m ? `mutes ${m.applied} (skipped ${m.skipped}, ${m.raced} chats changed from two devices); ` : '';
}

export interface MuteDriverOptions {
  accounts: Account[];
  devices: Device[];
  history: History;
  /** GET with the account's token (server-rest.ts). */
  get: (account: Account, path: string) => Promise<Response>;
}

export class MuteDriver {
  readonly applied: MuteApplied[] = [];
  private skipped = 0;

  constructor(private readonly o: MuteDriverOptions) {}

  async execute(op: MuteOp, d: Device): Promise<string> {
    const me = d.account;
    const engine = d.live;
    if (!me || !engine) return this.skip('signed out');
    if (me !== d.home) return this.skip(`${me.username} signed in (a guest)`);
    const peer = this.o.accounts[op.peer]!;
    const id = directConversationId(me.id, peer.id);
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer after ${OP_TIMEOUT_MS} ms`)), OP_TIMEOUT_MS)));
      const call = async () => {
        // The chat list's "mute" acts on a row; a chat nobody wrote in yet gets one as the UI would open it.
        if (!(await engine.queries.conversation(id))) await engine.openConversationWith({ id: peer.id, username: peer.username, displayName: peer.username, online: false, lastSeen: null });
        await engine.setMuted(id, op.muted);
      };
      await Promise.race([call(), timeout]);
    } catch (err) {
      const code = err instanceof PigeonError ? ` [${err.code}]` : '';
      d.observe('op-failed', `setMuted(${id}, ${op.muted})${code}: ${err instanceof Error ? err.message : String(err)} (connection ${d.connection()})`);
      return 'rejected';
    } finally {
      clearTimeout(timer);
    }
    this.applied.push({ device: d.name, userId: me.id, conversationId: id, muted: op.muted, op: this.o.history.currentOp });
    return `${op.muted ? 'muted' : 'unmuted'} ${id}`;
  }

  private skip(why: string): string {
    this.skipped++;
    return `skipped: ${why}`;
  }

  /** Every account's mute records, as that account. */
  private async server(): Promise<Record<string, ServerMuteRecord[]>> {
    const out: Record<string, ServerMuteRecord[]> = {};
    for (const a of this.o.accounts) {
      const res = await this.o.get(a, '/api/conversations/mutes');
      if (!res.ok) throw new Error(`GET /api/conversations/mutes as ${a.username}: ${res.status} ${await res.text()}`);
      out[a.id] = ((await res.json()) as { mutes: ServerMuteRecord[] }).mutes;
    }
    return out;
  }

  /** What each device shows for the chats at stake: those some device changed, and those the server has a record of. */
  async input(): Promise<MuteInput> {
    const server = await this.server();
    const devices: DeviceMutes[] = [];
    for (const d of this.o.devices) {
      const engine = d.live;
      const userId = engine?.getState().userId ?? '';
      // And any chat the device shows muted: a mute nobody set (or the server forgot) is judged too.
      const shownMuted = engine && userId ? (await engine.queries.conversations()).filter((v) => v.conversation.muted).map((v) => v.conversation.id) : [];
      const ids = new Set([...shownMuted, ...this.applied.filter((a) => a.userId === userId).map((a) => a.conversationId), ...(server[userId] ?? []).map((r) => r.conversationId)]);
      const muted: Record<string, boolean | null> = {};
      for (const id of ids) {
        const view = engine ? await engine.queries.conversation(id) : undefined;
        muted[id] = view ? (view.conversation.muted ?? false) : null;
      }
      devices.push({ device: d.name, userId, expectedUserId: d.home.id, muted });
    }
    return { applied: this.applied, server, devices };
  }

  stats(): MuteStats {
    const devicesPerChat = new Map<string, Set<string>>();
    for (const a of this.applied) {
      const k = `${a.userId} ${a.conversationId}`;
      devicesPerChat.set(k, (devicesPerChat.get(k) ?? new Set()).add(a.device));
    }
    return { applied: this.applied.length, skipped: this.skipped, raced: [...devicesPerChat.values()].filter((s) => s.size > 1).length };
  }
}
