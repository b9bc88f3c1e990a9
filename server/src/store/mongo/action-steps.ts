import type { Message, PigeonError } from '@pigeon/sync-protocol';
import { findByIds } from './by-ids.ts';
import type { MongoContext } from './context.ts';
import { toMessage, type MessageDoc } from './documents.ts';
import { contentOf, isAction, versionKey, type ActionDoc } from './action-docs.ts';
import { insertNumbered } from './log-insert.ts';

/** What a step does to the message as it is at that point (and the actor's hide of it). */
export type Decision = { refused: PigeonError } | { next: Message } | { hide: true } | { none: true };

/** One change of a batch to one message: an action, or the emptying of a reply's quote. */
export interface Step {
  entryId: string;
  messageId: string;
  actorId: string;
  action: ActionDoc['action'];
  at: string;
  decide(state: Message, hiddenAt: string | null): Decision;
  /** An accepted action that changes nothing is recorded (its clientId is), so its replay stays a no-op. */
  recordNoop: boolean;
}

/** `state`: the message's content after the step (no `hiddenAt`); `hiddenAt`: the actor's hide then. */
export type StepResult = { refused: PigeonError } | { state: Message; applied: boolean; hiddenAt: string | null; entryId: string | null };

export interface CommittedSteps {
  /** In step order. */
  results: StepResult[];
  /** The entries this call inserted, with their positions. */
  inserted: ActionDoc[];
  /** Entries another node had stored under the same `_id` meanwhile (a replay racing on two nodes). */
  stored: ActionDoc[];
  /** Steps whose entry was such a copy: their answer is the message as stored now (the caller reads it). */
  raced: Set<number>;
}

/**
 * Judges and records `steps` (of messages in `docs`), in order per message, as one insertNumbered
 * of their entries. The judging runs in its `admit`, before each numbering: first on `docs`, then,
 * after any refusal, on the messages' states read again for every message with an entry left.
 *
 * Why this serialises actions across nodes: a content entry at version V takes the unique
 * `(v:<message>, V)` (action-docs.ts), and it was computed from version V − 1 as committed. If
 * another node took V first (an edit racing a delete), the insert is refused and the step is judged
 * again on the state that has V (the delete: the edit is then CONFLICT). So every outcome is that of
 * one serial order, on FerretDB too, where no conditional update is atomic (docs/operations.md);
 * the message document is only updated after (action-apply.ts), with the version as condition.
 * Membership is read before the insert and not re-checked after it: an action judged just before
 * a removal that commits on another node before its insert is the serial order "action, then
 * removal", which decides the same (a removal does not depend on reactions or edits).
 *
 * `recorded`: entry ids stored before this call; a step with one (or one recorded earlier in the
 * batch) is a replay: it changes nothing and answers the message as it is at that point.
 */
export async function commitSteps(ctx: MongoContext, steps: readonly Step[], docs: ReadonlyMap<string, MessageDoc>, recorded: ReadonlySet<string>): Promise<CommittedSteps> {
  if (steps.length === 0) return { results: [], inserted: [], stored: [], raced: new Set() };
  const results: StepResult[] = new Array(steps.length);
  const known = new Map<string, Known>([...docs].map(([id, d]) => [id, knownOf(d)]));
  const done = new Set(recorded);
  // The entries of the last round, by `_id`; those not left after a refusal are stored (ours or a copy).
  const proposed = new Map<string, ActionDoc>();
  let round = 0;

  const admit = async (remaining: readonly ActionDoc[]): Promise<ActionDoc[]> => {
    const left = new Set(remaining.map((d) => d._id));
    for (const [id, e] of proposed) {
      if (left.has(id)) continue;
      done.add(id);
      // Committed: the next reads of the document may not show it yet.
      if (e.change === 'hide') known.get(e.messageId)?.hides.set(e.actorId, e.createdAt);
    }
    // Per message, the first step whose entry is not stored: it and every later one are judged (again).
    const redoFrom = new Map<string, number>();
    steps.forEach((s, i) => {
      if (left.has(s.entryId) && !redoFrom.has(s.messageId)) redoFrom.set(s.messageId, i);
    });
    if (round++ > 0 && redoFrom.size > 0) await refresh(ctx, [...redoFrom.keys()], known);
    const chain = new Map([...redoFrom.keys()].map((id) => [id, { state: known.get(id)!.state, hides: new Map(known.get(id)!.hides) }]));
    const seen = new Set(done);
    const out: ActionDoc[] = [];
    proposed.clear();
    steps.forEach((s, i) => {
      const from = redoFrom.get(s.messageId);
      if (from === undefined || i < from) return;
      const c = chain.get(s.messageId)!;
      if (seen.has(s.entryId)) {
        results[i] = { state: c.state, applied: false, hiddenAt: c.hides.get(s.actorId) ?? null, entryId: null };
        return;
      }
      const d = s.decide(c.state, c.hides.get(s.actorId) ?? null);
      if ('refused' in d) {
        results[i] = { refused: d.refused };
        return;
      }
      const doc = docs.get(s.messageId)!;
      let entry: ActionDoc | null = null;
      if ('next' in d) {
        entry = { ...entryBase(s), change: 'content', conversationId: versionKey(doc._id), seq: d.next.version!, senderId: doc.senderId, recipientId: doc.recipientId, content: contentOf(d.next) };
        if (doc.group !== undefined) Object.assign(entry, { group: doc.group, messageSeq: doc.seq });
        c.state = d.next;
      } else if ('hide' in d) {
        entry = { ...entryBase(s), change: 'hide', senderId: s.actorId, recipientId: s.actorId };
        c.hides.set(s.actorId, s.at);
      } else if (s.recordNoop) {
        entry = { ...entryBase(s), change: 'none', senderId: '', recipientId: '' };
      }
      if (entry) {
        seen.add(entry._id);
        proposed.set(entry._id, entry);
        out.push(entry);
      }
      results[i] = { state: c.state, applied: !('none' in d), hiddenAt: c.hides.get(s.actorId) ?? null, entryId: entry?._id ?? null };
    });
    return out;
  };

  // One placeholder per entry id: the first admit replaces them with what the steps decide.
  const ids = [...new Set(steps.map((s) => s.entryId))];
  const placeholders = ids.map((id) => ({ ...entryBase(steps.find((s) => s.entryId === id)!), change: 'none', senderId: '', recipientId: '' }) as ActionDoc);
  const hook = ctx.hooks.beforeActionInsert;
  const beforeInsert = hook ? (docs: readonly ActionDoc[]) => hook(docs.map((d) => d._id)) : undefined;
  const { inserted, stored } = await insertNumbered(ctx, placeholders, { seqs: false, admit, ...(beforeInsert ? { beforeInsert } : {}) });
  const storedIds = new Set(stored.map((d) => d._id));
  const raced = new Set<number>();
  results.forEach((r, i) => {
    if (!('refused' in r) && r.entryId !== null && storedIds.has(r.entryId)) raced.add(i);
  });
  return { results, inserted, stored: stored.filter(isAction), raced };
}

interface Known {
  state: Message;
  hides: Map<string, string>;
}

const knownOf = (d: MessageDoc): Known => ({ state: toMessage(d), hides: new Map(Object.entries(d.hidden ?? {})) });

/**
 * The committed state of each message: its document, or its newest content entry when that is a
 * later version (an entry whose update has not reached the document yet, or never will: a node
 * died in between). On MongoDB one seek of `(conversationId, seq)` per message; on FerretDB one
 * scan, after a refusal only.
 */
async function refresh(ctx: MongoContext, ids: readonly string[], known: Map<string, Known>): Promise<void> {
  const keys = ids.map(versionKey);
  const [docs, entries] = await Promise.all([
    findByIds(ctx, ctx.messages, ids),
    ctx.log.find({ conversationId: keys.length === 1 ? keys[0]! : { $in: keys } }, { projection: { messageId: 1, seq: 1, content: 1 } }).toArray() as Promise<ActionDoc[]>,
  ]);
  for (const d of docs) {
    const k = knownOf(d);
    // Hides this call committed stay known whatever the document says yet.
    for (const [userId, at] of known.get(d._id)?.hides ?? []) if (!k.hides.has(userId)) k.hides.set(userId, at);
    known.set(d._id, k);
  }
  for (const e of entries) {
    const k = known.get(e.messageId);
    if (k && e.content && e.content.version > (k.state.version ?? 0)) k.state = { ...k.state, ...e.content };
  }
}

function entryBase(s: Step): Omit<ActionDoc, 'change' | 'senderId' | 'recipientId'> {
  // conversationId / seq: the entry's own `_id` and 0 unless it is a version (never a message's pair).
  return { _id: s.entryId, kind: 'action', action: s.action, messageId: s.messageId, actorId: s.actorId, conversationId: s.entryId, seq: 0, clientId: s.entryId, changePos: 0, createdAt: s.at };
}
