/**
 * The message-action checks (#16), pure functions over the run's record (check-input-actions.ts):
 *
 *  - action-converge: every copy of a message agrees — each server read (1:1 history, each group
 *    reader's history, each account's change feed) and every device row that holds it: body,
 *    editedAt, deletedAt, reactions (as a set of user → emoji), replyTo (id, sender, quote) and
 *    version, with no action of the device still pending; and no device showed a version going down;
 *  - action-once: the server's state is what the harness's accepted actions make, each applied at
 *    most once and none lost (modulo later actions overriding it): deleted exactly when a delete was
 *    made; the body the sent one or an edit's (the last edit of some device, as each device sends its
 *    actions in order); each user's reaction the last one of some device of theirs; one per user;
 *    the version no more than the actions made (plus the emptied quote of a reply);
 *  - action-hidden: a message deleted for me is hidden on every device of that user (absent or
 *    marked, never shown) and in their feed, and on nobody else's;
 *  - action-terminal: a deletion is a tombstone (body '', no reactions, attachments or quote) at its
 *    seq on every device, and never undone on a device once the server's copy said so;
 *  - action-window / action-refusal: the server refused nothing but what the record explains (CONFLICT
 *    only for a message deleted meanwhile: the edit window never closes in a run; FORBIDDEN only for
 *    someone who left a group), and a device refused at once only what it knew to be refused;
 *  - action-reply: a reply quotes its original (id, sender, the first characters of a body it had,
 *    '' once deleted).
 * An action whose device shows it refused (`actionError` on the row, at the end or when an account
 * signed out there: the next account's sign-in clears the rows) may be missing from the state; the
 * row only keeps the last refusal, so every action of that device on that message may be.
 */
import { conversationMembers, cutText, LIMITS, type Message } from '@pigeon/sync-protocol';
import type { LocalMessage } from '../../sync-protocol/src/engine/api.ts';
import { groupBy, keyOf, refusalRows, rowsOf, type ActionIssued, type CheckInput, type Violation } from './check-input.ts';

type Copy = Pick<Message, 'body' | 'version' | 'editedAt' | 'deletedAt' | 'reactions'> & { replyTo?: { id: string | null; senderId: string; preview: string } | null };

/** The content a copy carries, field by field, as text (absent = null / [] / 0). */
export function contentOf(m: Copy): Record<string, string> {
  return {
    body: JSON.stringify(m.body),
    editedAt: String(m.editedAt ?? null),
    deletedAt: String(m.deletedAt ?? null),
    reactions: (m.reactions ?? []).map((r) => `${r.userId}=${r.emoji}`).sort().join(' '),
    replyTo: m.replyTo ? `${m.replyTo.id}|${m.replyTo.senderId}|${JSON.stringify(m.replyTo.preview)}` : 'null',
    version: String(m.version ?? 0),
  };
}

function differences(want: Copy, got: Copy): string[] {
  const a = contentOf(want);
  const b = contentOf(got);
  return Object.keys(a).filter((k) => a[k] !== b[k]).map((k) => `${k}: ${b[k]} (server ${a[k]})`);
}

/** Every server copy of every message (histories and feeds), by key, and the newest one (highest version). */
export function serverCopies(input: CheckInput): { newest: Map<string, Message>; copies: Map<string, { source: string; m: Message }[]> } {
  const copies = new Map<string, { source: string; m: Message }[]>();
  const add = (source: string, m: Message) => {
    const list = copies.get(keyOf(m)) ?? [];
    list.push({ source, m });
    copies.set(keyOf(m), list);
  };
  for (const [c, list] of Object.entries(input.server)) for (const m of list) add(`history of ${c}`, m);
  for (const g of input.groups?.server ?? []) for (const [reader, list] of Object.entries(g.histories)) for (const m of list ?? []) add(`${reader}'s history of ${g.id}`, m);
  for (const [user, feed] of Object.entries(input.actions?.feeds ?? {})) {
    // A message comes again at each change; the last copy is its state.
    const last = new Map(feed.map((m) => [keyOf(m), m]));
    for (const m of last.values()) add(`${user}'s feed`, m);
  }
  const newest = new Map<string, Message>();
  for (const [key, list] of copies) newest.set(key, list.reduce((best, c) => ((c.m.version ?? 0) > (best.version ?? 0) ? c.m : best), list[0]!.m));
  return { newest, copies };
}

export function checkActions(input: CheckInput): Violation[] {
  if (!input.actions) return [];
  const { newest, copies } = serverCopies(input);
  const out: Violation[] = [];
  for (const [key, list] of copies) {
    const m = newest.get(key)!;
    const wrong = list.flatMap(({ source, m: c }) => differences(m, c).map((d) => `${source}: ${d}`));
    if (wrong.length > 0) out.push({ invariant: 'action-converge', message: `server copies of ${key} disagree`, keys: [key], diff: wrong.slice(0, 20) });
  }
  out.push(...checkDeviceRows(input, newest), ...checkAppliedOnce(input, newest), ...checkHidden(input, newest), ...checkRefusals(input, newest), ...checkReplies(input, newest));
  for (const o of input.observations) {
    if (o.kind === 'version-backwards' || o.kind === 'undeleted') {
      out.push({ invariant: o.kind === 'undeleted' ? 'action-terminal' : 'action-converge', message: `${o.device} at op #${o.op} (${o.t} ms): ${o.kind}: ${o.detail}`, keys: o.key ? [o.key] : [] });
    }
  }
  return out;
}

/** action-converge and action-terminal on the devices: each acked row is the server's newest copy, nothing pending. */
function checkDeviceRows(input: CheckInput, newest: Map<string, Message>): Violation[] {
  const out: Violation[] = [];
  for (const m of newest.values()) {
    if (!m.deletedAt) continue;
    if (m.body !== '' || (m.reactions ?? []).length > 0 || m.replyTo || (m.attachments ?? []).length > 0) {
      out.push({ invariant: 'action-terminal', message: `${keyOf(m)} is deleted (${m.deletedAt}) but keeps content`, keys: [keyOf(m)], diff: contentOf(m) });
    }
  }
  for (const dev of input.devices) {
    const wrong: string[] = [];
    const keys: string[] = [];
    for (const row of rowsOf(dev)) {
      const m = newest.get(row.key);
      if (!m || row.seq === null) continue;
      const d = differences(m, row);
      if ((row.pendingActions ?? 0) > 0) d.push(`${row.pendingActions} actions still pending`);
      if (m.deletedAt && row.seq !== m.seq) d.push(`tombstone at seq ${row.seq}, server ${m.seq}`);
      if (d.length > 0) {
        wrong.push(`${row.key} seq ${row.seq}: ${d.join('; ')}`);
        keys.push(row.key);
      }
    }
    if (wrong.length > 0) out.push({ invariant: 'action-converge', message: `${dev.name}: ${wrong.length} messages differ from the server's state`, diff: wrong.slice(0, 30), keys });
  }
  return out;
}

/** The body each message was sent with (1:1 and groups). */
function sentBodies(input: CheckInput): Map<string, string> {
  const sent = new Map<string, string>(input.accepted.map((a) => [a.key, a.body]));
  for (const a of input.groups?.accepted ?? []) if (a.kind === 'text' && a.body !== undefined) sent.set(a.key, a.body);
  return sent;
}

/** The last action of each device's lane (one device's actions reach the server in the order made). */
const laneLasts = (acts: readonly ActionIssued[]) => [...groupBy(acts, (a) => a.device).values()].map((l) => [...l].sort((a, b) => a.op - b.op).at(-1)!);

/** Device → the refusal its row of `key` shows. */
function refusalsOf(input: CheckInput, key: string): Map<string, NonNullable<LocalMessage['actionError']>> {
  const out = new Map<string, NonNullable<LocalMessage['actionError']>>();
  for (const dev of input.devices) for (const { row } of refusalRows(dev)) if (row.key === key) out.set(dev.name, row.actionError!);
  return out;
}

/** action-once: the state is what the accepted actions make, each at most once, none lost. */
function checkAppliedOnce(input: CheckInput, newest: Map<string, Message>): Violation[] {
  const out: Violation[] = [];
  const sent = sentBodies(input);
  const byKey = groupBy(input.actions!.issued, (a) => a.key);
  const replies = new Map(input.actions!.replies.map((r) => [r.key, r.target]));
  for (const [key, m] of newest) {
    const acts = byKey.get(key) ?? [];
    const refused = refusalsOf(input, key);
    const excused = (a: ActionIssued) => refused.has(a.device);
    const bad = (message: string, diff?: unknown) => out.push({ invariant: 'action-once', message: `${key}: ${message}`, keys: [key], diff });
    const deletes = acts.filter((a) => a.kind === 'delete');
    if (m.deletedAt && deletes.length === 0) bad('deleted for everyone, but nobody deleted it');
    if (!m.deletedAt && deletes.some((a) => !excused(a))) bad(`not deleted, though ${deletes.map((a) => `${a.device} at op #${a.op}`).join(', ')} deleted it`);
    const counted = acts.filter((a) => a.kind !== 'hide').length;
    const target = replies.get(key);
    const quote = target !== undefined && Boolean(newest.get(target)?.deletedAt) ? 1 : 0;
    if ((m.version ?? 0) > counted + quote) bad(`version ${m.version} with only ${counted} actions made${quote ? ' and its quote emptied' : ''}: something was applied twice`);
    if (m.deletedAt) continue;
    const reactions = m.reactions ?? [];
    const least = reactions.length + (m.editedAt ? 1 : 0);
    if ((m.version ?? 0) < least) bad(`version ${m.version ?? 0} below the ${least} changes it shows`);
    const original = sent.get(key);
    const edits = acts.filter((a) => a.kind === 'edit');
    if (edits.length === 0) {
      if (original !== undefined && (m.body !== original || m.editedAt)) bad(`body ${JSON.stringify(m.body)} (edited ${m.editedAt}), but nobody edited it`);
    } else {
      const lasts = edits.some(excused) ? edits.map((a) => a.body) : laneLasts(edits).map((a) => a.body);
      const allowed = edits.some(excused) ? [...lasts, original] : lasts;
      if (!allowed.includes(m.body)) bad(`body ${JSON.stringify(m.body)}; the last edits were ${lasts.map((b) => JSON.stringify(b)).join(', ')}`, edits);
      if (m.body !== original && !m.editedAt) bad('edited body without editedAt');
    }
    for (const [userId, list] of groupBy(reactions, (r) => r.userId)) if (list.length > 1) bad(`${userId} has ${list.length} reactions`, list);
    const reacts = groupBy(
      acts.filter((a) => a.kind === 'react'),
      (a) => a.actorId,
    );
    for (const r of reactions) if (!reacts.has(r.userId)) bad(`${r.userId} reacted ${r.emoji}, but never did`);
    for (const [userId, list] of reacts) {
      const final = reactions.find((r) => r.userId === userId)?.emoji ?? '';
      const allowed = list.some(excused) ? ['', ...list.map((a) => a.emoji)] : laneLasts(list).map((a) => a.emoji);
      if (!allowed.includes(final)) bad(`${userId}'s reaction is ${JSON.stringify(final)}; the last ones made were ${allowed.map((e) => JSON.stringify(e)).join(', ')}`, list);
    }
  }
  return out;
}

/** action-hidden: deleted for me = hidden on every device of that user and in their feed; on nobody else's. */
function checkHidden(input: CheckInput, newest: Map<string, Message>): Violation[] {
  const out: Violation[] = [];
  const hiders = new Map<string, Set<string>>();
  for (const a of input.actions!.issued) if (a.kind === 'hide') hiders.set(a.key, (hiders.get(a.key) ?? new Set()).add(a.actorId));
  for (const dev of input.devices) {
    const rows = new Map(rowsOf(dev).map((r) => [r.key, r]));
    for (const row of rows.values()) {
      if (row.hiddenAt && !hiders.get(row.key)?.has(dev.userId)) out.push({ invariant: 'action-hidden', message: `${dev.name}: ${row.key} is hidden, but ${dev.userId} never deleted it for themself`, keys: [row.key] });
    }
    for (const key of [...(dev.hiddenShown ?? []), ...Object.values(dev.groups ?? {}).flatMap((g) => g.hiddenShown ?? [])]) out.push({ invariant: 'action-hidden', message: `${dev.name}: queries.messages shows ${key}, which its row says is hidden`, keys: [key] });
    for (const [key, users] of hiders) {
      const row = rows.get(key);
      if (users.has(dev.userId) && newest.has(key) && row && !row.hiddenAt) out.push({ invariant: 'action-hidden', message: `${dev.name}: ${dev.userId} deleted ${key} for themself, but the device shows it`, keys: [key] });
    }
  }
  for (const [userId, feed] of Object.entries(input.actions!.feeds)) {
    const hiddenHere = new Set(feed.filter((m) => m.hiddenAt).map(keyOf));
    for (const key of hiddenHere) if (!hiders.get(key)?.has(userId)) out.push({ invariant: 'action-hidden', message: `${userId}'s feed has ${key} hidden, but they never deleted it for themself`, keys: [key] });
    const present = new Set(feed.map(keyOf));
    for (const [key, users] of hiders) {
      if (users.has(userId) && present.has(key) && !hiddenHere.has(key)) out.push({ invariant: 'action-hidden', message: `${userId} deleted ${key} for themself, but their feed never says so`, keys: [key] });
    }
  }
  return out;
}

/** The user was removed from (or left) the group at some point: a later action of theirs may be FORBIDDEN. */
function leftGroup(input: CheckInput, conversationId: string, userId: string): boolean {
  const g = input.groups?.server.find((s) => s.id === conversationId);
  if (!g) return false;
  if (g.info && !g.info.members.some((m) => m.userId === userId)) return true;
  return Object.values(g.histories).some((list) => (list ?? []).some((m) => (m.system?.kind === 'member-removed' || m.system?.kind === 'member-left') && (m.system.userIds ?? [m.senderId]).includes(userId)));
}

/** action-window (what the server refused, as the rows show it) and action-refusal (what a device refused at once). */
function checkRefusals(input: CheckInput, newest: Map<string, Message>): Violation[] {
  const out: Violation[] = [];
  for (const dev of input.devices) {
    for (const { userId, row } of refusalRows(dev)) {
      const e = row.actionError!;
      const m = newest.get(row.key);
      const group = conversationMembers(row.conversationId) === null;
      const ok =
        (e.code === 'CONFLICT' && Boolean(m?.deletedAt) && e.kind !== 'delete') ||
        (e.code === 'FORBIDDEN' && group && leftGroup(input, row.conversationId, userId)) ||
        (e.code === 'NOT_FOUND' && !m) ||
        // The message itself failed for good (a group send the server refused): its actions fail with it.
        (!m && row.status === 'failed');
      if (!ok) out.push({ invariant: 'action-window', message: `${dev.name}: the server refused its ${e.kind} of ${row.key} with ${e.code} (${e.message}); the message is ${m ? (m.deletedAt ? 'deleted' : 'not deleted') : 'not on the server'}`, keys: [row.key] });
    }
  }
  for (const r of input.actions!.refusedHere) {
    const ok =
      r.code === 'CONFLICT'
        ? (r.deleted && (r.kind === 'react' || r.kind === 'edit')) ||
          // The message failed for good (e.g. a group send refused: its sender was removed), maybe while
          // the call ran: the device refuses actions on it ("the message was not sent"), as the server
          // check above accepts for actions queued before it failed. Only if the server never stored it.
          (Boolean(r.failed) && !newest.get(r.key))
        : r.code === 'FORBIDDEN'
          ? r.kind === 'edit' || r.kind === 'delete'
            ? !r.own || !r.writable
            : r.kind !== 'hide' && !r.writable
          : false;
    if (!ok) {
      out.push({
        invariant: 'action-refusal',
        message: `${r.device} at op #${r.op} refused ${r.kind} of ${r.key} at once with ${r.code}, though the message was ${r.own ? 'its own' : 'not its own'}, ${r.deleted ? 'deleted' : 'not deleted'} and the conversation ${r.writable ? 'writable' : 'read-only'}`,
        keys: [r.key],
      });
    }
  }
  return out;
}

/** action-reply: the quote names the original and a body it had; '' once the original is deleted. */
function checkReplies(input: CheckInput, newest: Map<string, Message>): Violation[] {
  const out: Violation[] = [];
  const sent = sentBodies(input);
  for (const r of input.actions!.replies) {
    const m = newest.get(r.key);
    const o = newest.get(r.target);
    if (!m || !o || m.deletedAt) continue;
    const bodies = [sent.get(r.target), ...input.actions!.issued.filter((a) => a.kind === 'edit' && a.key === r.target).map((a) => a.body)].filter((b) => b !== undefined);
    const previews = o.deletedAt ? [''] : bodies.map((b) => cutText(b, LIMITS.replyPreviewMaxChars));
    const q = m.replyTo;
    if (!q || q.id !== o.id || q.senderId !== o.senderId || !previews.includes(q.preview)) {
      out.push({ invariant: 'action-reply', message: `${r.key} (${r.device} at op #${r.op}) answers ${r.target} (${o.id}${o.deletedAt ? ', deleted' : ''}) but quotes ${q ? `${q.id} by ${q.senderId}: ${JSON.stringify(q.preview)}` : 'nothing'}`, keys: [r.key, r.target], diff: { previews } });
    }
  }
  return out;
}
