import { applyAction, judgeAction, type ActionSubject, type Message } from '@pigeon/sync-protocol';
import type { ActionOutcome, ActionRequest } from '../store.ts';
import { findByIds } from './by-ids.ts';
import type { MongoContext } from './context.ts';
import type { GroupStateDoc, MessageDoc } from './documents.ts';
import { actionEntryId, hiddenAtOf, isAction, isMessageDoc, versionOf, type ActionDoc } from './action-docs.ts';
import { applyEntries, currentFor, emptyQuotes } from './action-apply.ts';
import { markDeletedBy } from './attachment-sends.ts';
import { caughtUpDoc, entryTruth, markActionsExist } from './entry-truth.ts';
import { commitSteps, type Decision, type Step } from './action-steps.ts';
import { inPeriods, latestState, membershipDocs, periodsFrom } from './group-state.ts';

/**
 * Store.applyActions on MongoDB: the batch is recorded as action entries in the change log
 * (action-docs.ts), judged by the shared rules (@pigeon/sync-protocol model/action-rules.ts) on
 * each message's state as of the insert (action-steps.ts), then applied to the message documents
 * (action-apply.ts). It runs in the write lane with the sends, so within one process an action
 * and a send never interleave (a reply sent after a delete reads the deleted original).
 *
 * Round trips without contention, whatever the batch size: the lookup of replays and of the
 * messages (by `_id`, side by side), the group state per group (and a user's periods only for a
 * message before their current membership), one insert of the entries, one bulk update of the
 * documents (on FerretDB, a read back by `_id`); a delete adds the replies' lookup, their entries
 * and their updates.
 */
export function applyActions(ctx: MongoContext, batch: readonly ActionRequest[]): Promise<ActionOutcome[]> {
  if (batch.length === 0) return Promise.resolve([]);
  return ctx.writeLane.run('send', () => commitActions(ctx, batch));
}

async function commitActions(ctx: MongoContext, batch: readonly ActionRequest[]): Promise<ActionOutcome[]> {
  // Before any entry of this batch can exist: readers then correct documents from entries (entry-truth.ts).
  await markActionsExist(ctx);
  const entryIds = batch.map((r) => actionEntryId(r.actorId, r.clientId));
  const actors = batch.map((r) => r.actorId);
  // What the entries say of the messages, side by side with their documents (entry-truth.ts).
  const [storedEntries, found, truth] = await Promise.all([
    findByIds(ctx, ctx.log, entryIds),
    findByIds(ctx, ctx.messages, batch.map((r) => r.messageId)),
    entryTruth(ctx, batch.map((r) => r.messageId), actors),
  ]);
  const stored = new Map(storedEntries.filter(isAction).map((e) => [e._id, e]));
  const docs = new Map(found.filter(isMessageDoc).map((d) => [d._id, d]));
  // A replay is about the message its first occurrence named (its stored entry's, if any).
  const messageOf = new Map<string, string>();
  batch.forEach((r, i) => {
    if (!messageOf.has(entryIds[i]!)) messageOf.set(entryIds[i]!, stored.get(entryIds[i]!)?.messageId ?? r.messageId);
  });
  const unread = [...new Set(messageOf.values())].filter((id) => !docs.has(id));
  if (unread.length > 0) {
    // Replays naming another message than their first occurrence (rare): those are read now.
    const [more, moreTruth] = await Promise.all([findByIds(ctx, ctx.messages, unread), entryTruth(ctx, unread, actors)]);
    for (const d of more.filter(isMessageDoc)) docs.set(d._id, d);
    for (const [id, t] of moreTruth) truth.set(id, t);
  }
  // Replays whose entry did not reach its document (its node died in between) repair it below.
  const lagging = [...stored.values()].filter((e) => lags(e, docs.get(e.messageId)));
  // The batch starts from what the entries say (entry-truth.ts): a document a concurrent FerretDB
  // update set back would answer an old hide, or be judged on an old version (whose insert the
  // version index would refuse, at the cost of a round).
  for (const [id, d] of docs) docs.set(id, caughtUpDoc(d, truth.get(id)));

  const standing = await standingOf(ctx, batch.map((r, i) => ({ actorId: r.actorId, messageId: messageOf.get(entryIds[i]!)! })), docs);
  const live: { step: Step; index: number }[] = [];
  const outcomes: ActionOutcome[] = new Array(batch.length);
  batch.forEach((r, i) => {
    const entryId = entryIds[i]!;
    const messageId = messageOf.get(entryId)!;
    const subject = standing.get(standingKey(r.actorId, messageId));
    if (!docs.has(messageId) || !subject) {
      outcomes[i] = { refused: judgeAction(r, null)! };
      return;
    }
    const step: Step = { entryId, messageId, actorId: r.actorId, action: r.kind, at: r.at, recordNoop: true, decide: (state, hiddenAt) => decide(r, state, subject, hiddenAt) };
    live.push({ step, index: i });
  });

  const { results, inserted, stored: copies, raced } = await commitSteps(ctx, live.map((l) => l.step), docs, new Set(stored.keys()));
  await applyEntries(ctx, [...inserted, ...copies, ...lagging]);

  // Quotes of replies: for the deletes applied now, and replayed deletes (their node may have died before this step).
  const deletes = [...inserted.filter(isDeleteEntry), ...[...stored.values()].filter(isDeleteEntry)];
  // Their attachments are deleted in the same call (attachment-sends.ts); both run only for deletes.
  const [affected] = await Promise.all([
    emptyQuotes(ctx, deletes),
    markDeletedBy(ctx, deletes, docs),
  ]);
  const reported = new Set<string>();
  const current = raced.size > 0 ? await currentFor(ctx, [...raced].map((k) => live[k]!.step.messageId), '') : new Map<string, Message>();

  results.forEach((res, k) => {
    const { step, index } = live[k]!;
    if ('refused' in res) {
      outcomes[index] = { refused: res.refused };
      return;
    }
    const base = raced.has(k) ? current.get(step.messageId)! : res.state;
    const hiddenAt = res.hiddenAt ?? null;
    const message = hiddenAt ? { ...base, hiddenAt } : base;
    const isDelete = batch[index]!.kind === 'delete' && !reported.has(step.messageId);
    const replies = isDelete ? (affected.get(step.messageId) ?? []) : [];
    if (replies.length > 0) reported.add(step.messageId);
    outcomes[index] = { message, applied: res.applied && !raced.has(k), affected: replies };
  });
  return outcomes;
}

/** The rules on the message as it is at this step; a hide of a message the actor hid already changes nothing. */
function decide(r: ActionRequest, state: Message, subject: Omit<ActionSubject, 'message'>, hiddenAt: string | null): Decision {
  const error = judgeAction(r, { message: state, ...subject });
  if (error) return { refused: error };
  if (r.kind === 'hide') return hiddenAt ? { none: true } : { hide: true };
  const next = applyAction(state, r);
  return next ? { next } : { none: true };
}

/** Whether a stored entry is not (yet) on its message's document. */
function lags(e: ActionDoc, doc: MessageDoc | undefined): boolean {
  if (!doc) return false;
  if (e.change === 'content') return versionOf(doc) < e.content!.version;
  return e.change === 'hide' && hiddenAtOf(doc, e.actorId) === null;
}

const isDeleteEntry = (e: ActionDoc): boolean => e.action === 'delete' && e.change === 'content';

const standingKey = (actorId: string, messageId: string) => `${actorId}\n${messageId}`;

/**
 * Whether each actor sees each message and may write there, as of now: 1:1, the two members; a
 * group, the state read now (the latest system message) and, only for a message before the
 * actor's current membership (or a former member), their periods.
 */
async function standingOf(
  ctx: MongoContext,
  pairs: readonly { actorId: string; messageId: string }[],
  docs: ReadonlyMap<string, MessageDoc>,
): Promise<Map<string, Omit<ActionSubject, 'message'>>> {
  const out = new Map<string, Omit<ActionSubject, 'message'>>();
  const groups = new Set<string>();
  for (const d of docs.values()) if (d.group !== undefined) groups.add(d.conversationId);
  const states = new Map<string, GroupStateDoc | null>();
  await Promise.all([...groups].map(async (g) => states.set(g, await latestState(ctx, g))));
  const pending: Promise<void>[] = [];
  for (const { actorId, messageId } of pairs) {
    const doc = docs.get(messageId);
    const key = standingKey(actorId, messageId);
    if (!doc || out.has(key)) continue;
    if (doc.group === undefined) {
      const member = actorId === doc.senderId || actorId === doc.recipientId;
      out.set(key, { visible: member, member });
      continue;
    }
    const me = states.get(doc.conversationId)?.members.find((m) => m.userId === actorId);
    if (me && me.sinceSeq <= doc.seq) {
      out.set(key, { visible: true, member: true });
      continue;
    }
    out.set(key, { visible: false, member: me !== undefined });
    pending.push(
      membershipDocs(ctx, actorId, doc.conversationId).then((ms) => {
        out.set(key, { visible: inPeriods(periodsFrom(ms), doc.seq), member: me !== undefined });
      }),
    );
  }
  await Promise.all(pending);
  return out;
}
