/**
 * The message-action side of a run (#16): executes the plan's action ops (plan-actions.ts) on the
 * devices' engines — react, editMessage, deleteMessage (for everyone, for me), and replies through
 * sendToConversation(…, { replyTo }) — and keeps what the action checks need (invariants-actions.ts):
 * the actions each engine took, the ones a device refused at once (with what it showed around the
 * call), the replies, and at the end each account's change feed (`GET /api/sync` from empty).
 *
 * An op names its message by the op that sent it; the driver finds the key in what the run accepted.
 * It skips an op whose message was never accepted, or that the device does not hold (yet) or shows
 * deleted for me, or whose device has a guest signed in. A reply is a send like any other: it joins
 * the run's accepted 1:1 messages or the group's texts, and every delivery check judges it.
 */
import { conversationMembers, PigeonError, type Message } from '@pigeon/sync-protocol';
import type { LocalMessage, SyncEngine } from '../../sync-protocol/src/engine/api.ts';
import { OP_TIMEOUT_MS, type Account, type Device } from './actors.ts';
import type { Accepted, ActionInput, ActionIssued, ActionKind, ActionRefusedHere, ReplyMade } from './check-input.ts';
import type { GroupDriver } from './group-driver.ts';
import type { History } from './history.ts';
import type { ActionOp } from './plan-actions.ts';

const REFUSALS = new Set(['FORBIDDEN', 'CONFLICT', 'NOT_FOUND', 'VALIDATION']);

export interface ActionStats {
  issued: number;
  replies: number;
  refusedHere: number;
  skipped: number;
  /** Rows whose action the server refused for good (`actionError`), over every device. */
  refusedByServer: number;
}

export function actionLine(a: ActionStats | null): string {
  if (!a) return '';
  return `actions ${a.issued} + replies ${a.replies} (refused by the device ${a.refusedHere}, by the server ${a.refusedByServer}; skipped ${a.skipped}); `;
}

export interface ActionDriverOptions {
  accounts: Account[];
  history: History;
  /** The run's accepted 1:1 messages (world.ts): replies join them; targets are found there. */
  accepted: Accepted[];
  groups: GroupDriver;
  get: (account: Account, path: string) => Promise<Response>;
}

export class ActionDriver {
  readonly issued: ActionIssued[] = [];
  readonly refusedHere: ActionRefusedHere[] = [];
  readonly replies: ReplyMade[] = [];
  skipped = 0;

  constructor(private readonly o: ActionDriverOptions) {}

  /** The key of the message op #`op` sent (a 1:1 send, a group send, a reply), if the run accepted one. */
  private keyAt(op: number): string | null {
    return this.o.accepted.find((a) => a.op === op)?.key ?? this.o.groups.accepted.find((a) => a.op === op && a.kind === 'text')?.key ?? null;
  }

  /** Keys some account deleted for themself: the snapshots look for their hidden rows. */
  hiddenKeys(): string[] {
    return [...new Set(this.issued.filter((a) => a.kind === 'hide').map((a) => a.key))];
  }

  async execute(op: ActionOp, d: Device): Promise<string> {
    const skip = (why: string) => {
      this.skipped++;
      return `skipped: ${why}`;
    };
    const me = d.account;
    const engine = d.live;
    if (!me || !engine) return skip('signed out');
    if (me !== d.home) return skip(`${me.username} signed in (a guest)`);
    const key = this.keyAt(op.target);
    if (!key) return skip(`op #${op.target} sent nothing`);
    const before = await engine.queries.message(key).catch(() => undefined);
    if (!before) return skip(`${key} is not on this device (yet)`);
    if (before.hiddenAt) return skip(`${key} is deleted for me here`);
    const kind: ActionKind | 'reply' = op.kind === 'msg-react' ? 'react' : op.kind === 'msg-edit' ? 'edit' : op.kind === 'msg-reply' ? 'reply' : op.scope === 'me' ? 'hide' : 'delete';
    const result = await this.call(d, `${kind} ${key}`, async () => {
      switch (op.kind) {
        case 'msg-react':
          return engine.react(key, op.emoji);
        case 'msg-edit':
          return engine.editMessage(key, op.body);
        case 'msg-delete':
          return engine.deleteMessage(key, op.scope);
        case 'msg-reply':
          return engine.sendToConversation(before.conversationId, op.body, { replyTo: key });
      }
    });
    const opIndex = this.o.history.currentOp;
    if (typeof result === 'string') {
      if (!result.startsWith('refused:')) return result;
      const code = result.slice('refused:'.length);
      const after = await engine.queries.message(key).catch(() => undefined);
      const writable = (await this.writable(engine, before.conversationId)) && (await this.writable(engine, after?.conversationId ?? before.conversationId));
      this.refusedHere.push({ op: opIndex, device: d.name, actorId: me.id, key, kind, code, own: before.senderId === me.id, deleted: Boolean(before.deletedAt || after?.deletedAt), writable, failed: before.status === 'failed' || after?.status === 'failed' });
      return `refused here: ${code}`;
    }
    if (op.kind === 'msg-reply') return this.reply(d, me, key, before, op.body, result as LocalMessage);
    this.issued.push({ op: opIndex, device: d.name, actorId: me.id, key, kind: kind as ActionKind, ...(op.kind === 'msg-react' ? { emoji: op.emoji } : {}), ...(op.kind === 'msg-edit' ? { body: op.body } : {}) });
    return `${kind} ${key} (${before.seq === null ? 'pending' : `seq ${before.seq}`}${before.deletedAt ? ', deleted here' : ''})`;
  }

  private async reply(d: Device, me: Account, target: string, original: LocalMessage, body: string, m: LocalMessage): Promise<string> {
    const h = this.o.history;
    const expectedKey = `${me.id}:${m.clientId}`;
    if (m.key !== expectedKey) d.observe('op-failed', `sendToConversation returned key ${m.key}, expected ${expectedKey}`, m.key);
    const pair = conversationMembers(original.conversationId);
    if (pair) {
      const to = pair.find((u) => u !== me.id) ?? me.id;
      this.o.accepted.push({ key: m.key, clientId: m.clientId, senderId: me.id, recipientId: to, conversationId: original.conversationId, body, device: d.name, op: h.currentOp });
    } else if (!(await this.o.groups.recordText(d, me, original.conversationId, m.key, body))) {
      h.add('action', `${d.name} reply ${m.key} into ${original.conversationId}, a group the run does not know`);
    }
    this.replies.push({ key: m.key, target, device: d.name, op: h.currentOp });
    return `${m.key} ${m.status} replying to ${target} (${original.seq === null ? 'pending' : `seq ${original.seq}`})`;
  }

  private async writable(engine: SyncEngine, conversationId: string): Promise<boolean> {
    return engine.queries.isWritable(conversationId).catch(() => false);
  }

  /** A local call that must complete at once: a refusal (PigeonError) is 'refused:CODE'; anything else, or a hang, is a device-API failure. */
  private async call<T>(d: Device, what: string, fn: () => Promise<T>): Promise<T | string> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer after ${OP_TIMEOUT_MS} ms`)), OP_TIMEOUT_MS)));
      return await Promise.race([fn(), timeout]);
    } catch (err) {
      if (err instanceof PigeonError && REFUSALS.has(err.code)) return `refused:${err.code}`;
      d.observe('op-failed', `${what}: ${err instanceof Error ? err.message : String(err)} (connection ${d.connection()})`);
      return 'rejected';
    } finally {
      clearTimeout(timer);
    }
  }

  /** Each account's change feed from an empty cursor, all pages (a message comes again at each change). */
  async feeds(): Promise<Record<string, Message[]>> {
    const read = async (a: Account): Promise<[string, Message[]]> => {
      const all: Message[] = [];
      let cursor = '';
      for (;;) {
        const res = await this.o.get(a, `/api/sync?${new URLSearchParams({ since: cursor, limit: '1000' })}`);
        if (!res.ok) throw new Error(`GET /api/sync as ${a.username}: ${res.status} ${await res.text()}`);
        const page = (await res.json()) as { messages: Message[]; cursor: string; hasMore: boolean };
        all.push(...page.messages);
        if (!page.hasMore || page.cursor === cursor) return [a.id, all];
        cursor = page.cursor;
      }
    };
    return Object.fromEntries(await Promise.all(this.o.accounts.map(read)));
  }

  stats(refusedByServer: number): ActionStats {
    return { issued: this.issued.length, replies: this.replies.length, refusedHere: this.refusedHere.length, skipped: this.skipped, refusedByServer };
  }

  input(feeds: Record<string, Message[]>): ActionInput {
    return { issued: this.issued, refusedHere: this.refusedHere, replies: this.replies, feeds };
  }
}
