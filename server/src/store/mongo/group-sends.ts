import { PigeonError } from '@pigeon/sync-protocol';
import type { SendRequest } from '../store.ts';
import type { MongoContext } from './context.ts';
import type { GroupStateDoc, MessageDoc } from './documents.ts';
import { stateAt } from './group-state.ts';

/** The group a send goes to, or null for a 1:1 send (no conversationId, or a direct one). */
export const groupOfSend = (r: SendRequest): string | null =>
  r.conversationId !== undefined && !r.conversationId.startsWith('dm:') ? r.conversationId : null;

/**
 * The membership check of group sends, run by insertNumbered before each numbering of what is
 * left of a batch (log-insert.ts `admit`). A group message of seq s is admitted iff its sender
 * is a member in the state at s - 1, i.e. after every message below it. At that moment the
 * group's next seq is one past a committed seq (this process's guess, or the committed top
 * after a refusal); the insert then lands only if nobody took s in between. So a send racing
 * its sender's removal on another node is either stored before the removal (it got the seq
 * first; the removal is decided after it) or refused here (the removal took the seq: the
 * insert is refused, and the check runs again on the state that has it). No race is left
 * open, and the check costs no read while this process saw every message of the group.
 *
 * Refusals are confirmed at the committed top, not this process's guess, which may be
 * behind (a member just added through another node).
 */
export function groupAdmission(ctx: MongoContext) {
  /** Refused sends, by message `_id`. */
  const refused = new Map<string, PigeonError>();
  /**
   * Admitted sends, by message `_id`: the members of the state they were admitted on (the state at
   * their seq, once the insert took: a later admission of the same document replaces it).
   */
  const viewers = new Map<string, string[]>();

  async function admit(docs: readonly MessageDoc[]): Promise<MessageDoc[]> {
    const groups = [...new Set(docs.filter((d) => d.group !== undefined).map((d) => d.conversationId))];
    const states = new Map<string, GroupStateDoc | null>();
    await Promise.all(
      groups.map(async (groupId) => {
        const senders = docs.filter((d) => d.conversationId === groupId).map((d) => d.senderId);
        const asOf = (await ctx.numbering.nextSeq(groupId)) - 1;
        let state = asOf > 0 ? await stateAt(ctx, groupId, asOf) : null;
        if (!state || senders.some((s) => !isMember(state!, s))) {
          const top = await ctx.numbering.refreshSeq(groupId);
          if (top !== asOf) state = await stateAt(ctx, groupId, top);
        }
        states.set(groupId, state);
      }),
    );
    return docs.filter((d) => {
      if (d.group === undefined) return true;
      const state = states.get(d.conversationId);
      const error = !state
        ? new PigeonError('NOT_FOUND', 'no such group')
        : !isMember(state, d.senderId)
          ? new PigeonError('FORBIDDEN', 'not a member of this group')
          : null;
      if (error) refused.set(d._id, error);
      else viewers.set(d._id, state!.members.map((m) => m.userId));
      return error === null;
    });
  }

  return { admit, refused, viewers };
}

const isMember = (state: GroupStateDoc, userId: string): boolean => state.members.some((m) => m.userId === userId);
