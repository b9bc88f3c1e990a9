/**
 * The group side of a run (#15): executes the plan's group ops on the devices' engines
 * (plan-groups.ts), keeps what the group checks need (what each device's outbox took, what each
 * device refused at once, what each engine handed over), learns each group's server id from its
 * creator's device, and reads the final state: the server's through REST with every account's
 * token, each device's through its queries. The checks are in invariants-groups*.ts.
 */
import { PigeonError, type Member, type Message } from '@pigeon/sync-protocol';
import type { LocalMessage, SyncEngine } from '../../sync-protocol/src/engine/api.ts';
import { OP_TIMEOUT_MS, type Account, type Device } from './actors.ts';
import type { DeviceGroup, DeviceSnapshot, GroupAccepted, GroupApplied, GroupInput, GroupRefusedHere, GroupServer } from './check-input.ts';
import { mergeHidden } from './device-rows.ts';
import type { History } from './history.ts';
import type { GroupOp } from './plan-groups.ts';

const ALL = 1_000_000;

/** What the group ops did (created, texts and changes accepted, refused by the device or the server, handed over). */
export interface GroupStats {
  created: number;
  texts: number;
  changes: number;
  refusedHere: number;
  refusedByServer: number;
  /** Group messages the engines handed over (their `message` events), all judged against periods. */
  applied: number;
}

/** The run line's part about groups. */
export function groupLine(g: GroupStats | null): string {
  if (!g) return '';
  return `groups ${g.created} (texts ${g.texts}, changes ${g.changes}; refused by the device ${g.refusedHere}, by the server ${g.refusedByServer}; handed over ${g.applied}); `;
}

interface Group {
  creationKey: string;
  localId: string;
  creatorDevice: string;
  serverId: string | null;
}

export interface GroupDriverOptions {
  accounts: Account[];
  devices: Device[];
  history: History;
  /** GET `path` with `account`'s token (a fresh login on 401). */
  get: (account: Account, path: string) => Promise<Response>;
}

export class GroupDriver {
  readonly accepted: GroupAccepted[] = [];
  readonly refusedHere: GroupRefusedHere[] = [];
  readonly applied: GroupApplied[] = [];
  private readonly groups: Group[] = [];

  constructor(private readonly o: GroupDriverOptions) {}

  /** Server ids known so far: the devices watch these. */
  serverIds(): string[] {
    return this.groups.flatMap((g) => (g.serverId ? [g.serverId] : []));
  }

  /** The engine's `message` event for a group message (actors.ts). */
  onApplied(device: string, accountId: string, m: Message): void {
    const h = this.o.history;
    this.applied.push({ device, accountId, conversationId: m.conversationId, seq: m.seq, key: `${m.senderId}:${m.clientId}`, t: h.now(), op: h.currentOp });
  }

  async execute(op: GroupOp, d: Device): Promise<string> {
    const me = d.account;
    const engine = d.live;
    if (!me || !engine) return 'skipped: signed out';
    if (me !== d.home) return `skipped: ${me.username} signed in (a guest)`;
    const ids = (users: number[]) => users.map((u) => this.o.accounts[u]!.id);
    if (op.kind === 'group-create') {
      const c = await this.call(d, 'createGroup', () => engine.createGroup(op.title, ids(op.members)));
      if (typeof c === 'string') return c;
      const key = `${me.id}:${c.id.slice('local:'.length)}`;
      this.groups[op.group] = { creationKey: key, localId: c.id, creatorDevice: d.name, serverId: null };
      this.accept(d, me, { key, group: key, kind: 'create', title: op.title, userIds: ids(op.members) }, 0);
      return `${c.id} (${key})`;
    }
    const g = this.groups[op.group];
    if (!g) return 'skipped: the group was never created';
    await this.learn();
    const id = g.serverId ?? (d.name === g.creatorDevice ? g.localId : null);
    if (!id) return 'skipped: the group is not on the server yet';
    const held = await this.held(engine, id);
    const knownSeq = Math.max(0, ...held);
    const refused = async (code: string, what = op.kind) => {
      const ownLeave = this.accepted.some((a) => a.device === d.name && a.group === g.creationKey && a.kind === 'remove' && a.userIds?.[0] === me.id);
      const heldAfter = await this.held(engine, id).catch(() => held);
      this.refusedHere.push({ device: d.name, accountId: me.id, group: g.creationKey, what, op: this.o.history.currentOp, code, knownSeq, held, heldAfter, ownLeaveBefore: ownLeave });
      return `refused here: ${code} (knows seq ${knownSeq}, then ${Math.max(0, ...heldAfter)})`;
    };
    let m: LocalMessage | string;
    let made: Omit<GroupAccepted, 'key' | 'senderId' | 'device' | 'op' | 'knownSeq' | 'group'>;
    switch (op.kind) {
      case 'group-read': {
        const r = await this.call(d, 'markRead', () => engine.markRead(id).then(() => 'ok'));
        return r.startsWith('refused:') ? await refused(r.slice(8)) : r;
      }
      case 'group-send':
        m = await this.call(d, 'sendToConversation', () => engine.sendToConversation(id, op.body));
        made = { kind: 'text', body: op.body };
        break;
      case 'group-rename':
        m = await this.call(d, 'renameGroup', () => engine.renameGroup(id, op.title));
        made = { kind: 'rename', title: op.title };
        break;
      case 'group-add':
        m = await this.call(d, 'addMembers', () => engine.addMembers(id, ids(op.users)));
        made = { kind: 'add', userIds: ids(op.users) };
        break;
      case 'group-promote': {
        const target = this.o.accounts[op.user]!.id;
        m = await this.call(d, 'makeAdmin', () => engine.makeAdmin(id, target));
        made = { kind: 'promote', userIds: [target] };
        break;
      }
      case 'group-remove': {
        const target = this.o.accounts[op.user]!.id;
        m = await this.call(d, target === me.id ? 'leaveGroup' : 'removeMember', () => (target === me.id ? engine.leaveGroup(id) : engine.removeMember(id, target)));
        made = { kind: 'remove', userIds: [target] };
        break;
      }
    }
    if (typeof m === 'string') return m.startsWith('refused:') ? await refused(m.slice(8)) : m;
    this.accept(d, me, { ...made, key: m.key, group: g.creationKey }, knownSeq);
    return `${m.key} ${m.status} (knows seq ${knownSeq})`;
  }

  /** A text another driver made in a group (a reply, actor-actions.ts): judged like the group's sends. false: not a group of the run. */
  async recordText(d: Device, me: Account, conversationId: string, key: string, body: string): Promise<boolean> {
    const g = this.groups.find((x) => x && (x.serverId === conversationId || x.localId === conversationId));
    if (!g || !d.live) return false;
    const knownSeq = Math.max(0, ...(await this.held(d.live, conversationId)));
    this.accept(d, me, { key, group: g.creationKey, kind: 'text', body }, knownSeq);
    return true;
  }

  private accept(d: Device, me: Account, a: Omit<GroupAccepted, 'senderId' | 'device' | 'op' | 'knownSeq'>, knownSeq: number): void {
    this.accepted.push({ ...a, senderId: me.id, device: d.name, op: this.o.history.currentOp, knownSeq });
  }

  /**
   * A local call that must complete at once, whatever the network: FORBIDDEN, NOT_FOUND or
   * VALIDATION are the device refusing (it knows its user may not write; it does not know the group
   * yet: NOT_FOUND for a send, VALIDATION "not a group" for a change): 'refused:CODE', judged at
   * the end (invariants-groups-devices.ts); anything else, or a hang, is a device-API failure.
   */
  private async call<T>(d: Device, what: string, fn: () => Promise<T>): Promise<T | string> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer after ${OP_TIMEOUT_MS} ms`)), OP_TIMEOUT_MS)));
      return await Promise.race([fn(), timeout]);
    } catch (err) {
      if (err instanceof PigeonError && (err.code === 'FORBIDDEN' || err.code === 'NOT_FOUND' || err.code === 'VALIDATION')) return `refused:${err.code}`;
      d.observe('op-failed', `${what}: ${err instanceof Error ? err.message : String(err)} (connection ${d.connection()})`);
      return 'rejected';
    } finally {
      clearTimeout(timer);
    }
  }

  /** The seqs of the group the device holds now. */
  private async held(engine: SyncEngine, id: string): Promise<number[]> {
    return (await engine.queries.messages(id, ALL)).flatMap((m) => (m.seq === null ? [] : [m.seq]));
  }

  /** Each group's server id, once its creator's device (signed in as its creator) has it; every device then watches it. */
  async learn(): Promise<void> {
    for (const g of this.groups) {
      const d = this.o.devices.find((x) => x.name === g.creatorDevice)!;
      if (g.serverId || !d.live || d.account !== d.home) continue;
      const view = await d.live.queries.conversation(g.localId).catch(() => undefined);
      if (!view || view.conversation.local) continue;
      g.serverId = view.conversation.id;
      this.o.history.add('group', `${g.creationKey} is ${g.serverId}`);
      for (const x of this.o.devices) x.watchGroup(g.serverId);
    }
  }

  /** The server's groups: every account's list, each group's history as each account reads it, its members as a member sees them. */
  async serverState(): Promise<GroupServer[]> {
    const ids = new Set(this.serverIds());
    const json = async <T>(account: Account, path: string): Promise<T | null> => {
      const res = await this.o.get(account, path);
      if (res.status === 403 || res.status === 404) return null;
      if (!res.ok) throw new Error(`GET ${path} as ${account.username}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const lists = await Promise.all(this.o.accounts.map((a) => json<{ conversations: { id: string; type?: string }[] }>(a, '/api/messages/conversations')));
    for (const list of lists) for (const c of list?.conversations ?? []) if (c.type === 'group') ids.add(c.id);
    const history = async (id: string, a: Account): Promise<Message[] | null> => {
      const pages: Message[][] = [];
      let before: string | null = null;
      do {
        const q: URLSearchParams = new URLSearchParams({ id, limit: '200', ...(before ? { before } : {}) });
        const page = await json<{ messages: Message[]; nextCursor: string | null }>(a, `/api/messages/conversation?${q}`);
        if (!page) return null;
        pages.unshift(page.messages);
        before = page.nextCursor;
      } while (before);
      return pages.flat();
    };
    // The group as a current member reads it (title, members with roles); null when none can.
    const infoOf = async (id: string): Promise<GroupServer['info']> => {
      for (const a of this.o.accounts) {
        const c = await json<{ conversation: { title: string; members: Member[] } }>(a, `/api/conversations/${encodeURIComponent(id)}`);
        if (c) return { title: c.conversation.title, members: c.conversation.members };
      }
      return null;
    };
    // The accounts' reads of one group side by side (the settle loop takes this snapshot every half
    // second), between two reads of the group itself: a change landing while they run (a run that
    // has not settled yet, a device still sending) shows as the two reads differing, and they are
    // taken again. Reading the group once, after the histories, compared histories older than the
    // group (C12 in docs/reliability.md: a removal landing in between looked like a lost member).
    return Promise.all(
      [...ids].map(async (id): Promise<GroupServer> => {
        for (let attempt = 1; ; attempt++) {
          const before = await infoOf(id);
          const read = await Promise.all(this.o.accounts.map(async (a) => [a, await history(id, a)] as const));
          const info = await infoOf(id);
          if (sameInfo(before, info) || attempt === SNAPSHOT_ATTEMPTS) return { id, histories: Object.fromEntries(read.map(([a, list]) => [a.id, list])), info };
        }
      }),
    );
  }

  /** What a device shows of every group it lists or the world knows, and what the server refused of it. */
  async deviceState(d: Device, serverIds: readonly string[], hidden: readonly string[] = []): Promise<Record<string, DeviceGroup>> {
    const e = d.live;
    if (!e) return {};
    const listed = (await e.queries.conversations()).filter((v) => v.conversation.type === 'group');
    const groups: Record<string, DeviceGroup> = {};
    for (const id of new Set([...serverIds, ...listed.map((v) => v.conversation.id)])) {
      const view = listed.find((v) => v.conversation.id === id) ?? (await e.queries.conversation(id));
      groups[id] = {
        messages: await e.queries.messages(id, ALL),
        listed: listed.some((v) => v.conversation.id === id),
        writable: view?.writable ?? false,
        title: view?.title ?? '',
        members: view?.conversation.members ?? [],
      };
    }
    // Rows deleted for me are left out of queries.messages: merged back (device-rows.ts).
    const shown = await mergeHidden(e, Object.fromEntries(Object.entries(groups).map(([id, g]) => [id, g.messages])), hidden);
    for (const key of shown) {
      const g = Object.values(groups).find((x) => x.messages.some((m) => m.key === key))!;
      g.hiddenShown = [...(g.hiddenShown ?? []), key];
    }
    return groups;
  }

  stats(devices: readonly DeviceSnapshot[]): GroupStats {
    const a = this.accepted;
    return {
      created: a.filter((x) => x.kind === 'create').length,
      texts: a.filter((x) => x.kind === 'text').length,
      changes: a.filter((x) => x.kind !== 'text' && x.kind !== 'create').length,
      refusedHere: this.refusedHere.length,
      refusedByServer: devices.reduce((n, d) => n + (d.groupFailed?.length ?? 0), 0),
      applied: this.applied.length,
    };
  }

  input(server: GroupServer[]): GroupInput {
    return { accepted: this.accepted, refusedHere: this.refusedHere, server, applied: this.applied };
  }
}

/** Reads of a group taken again while it keeps changing under them, at most. */
const SNAPSHOT_ATTEMPTS = 5;

const sameInfo = (a: GroupServer['info'], b: GroupServer['info']): boolean => {
  const key = (i: GroupServer['info']) => i && JSON.stringify([i.title, i.members.map((m) => `${m.userId}:${m.role}`).sort()]);
  return key(a) === key(b);
};
