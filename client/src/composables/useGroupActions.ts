import type { User } from '@pigeon/sync-protocol';
import { ref, toRaw } from 'vue';
import { engine } from '../engine.ts';
import { describeError } from '../lib/errors.ts';

/** A change that asks first: removing someone, or leaving. */
export type GroupQuestion = { kind: 'remove'; userId: string; name: string } | { kind: 'leave' };

/** The confirmation's strings for a question about the group titled `title`. */
export function questionText(question: GroupQuestion, title: string) {
  return question.kind === 'leave'
    ? { title: `Leave “${title}”?`, text: "You won't get its messages any more. You keep what was said until now.", confirm: 'Leave group', busy: 'Leaving…' }
    : { title: `Remove ${question.name}?`, text: `${question.name} won't get this group's messages any more.`, confirm: 'Remove', busy: 'Removing…' };
}

export interface UseGroupActionsOptions {
  /** Called after leaving (the panel closes). */
  onLeft?: () => void;
}

/**
 * A group's changes from its members panel: rename, add and make admin at once, remove and leave after a
 * confirmation. Each engine call commits on this device and resolves at once (offline too); the
 * server may still refuse it later, which the chat shows as a failed system line with Retry.
 */
export function useGroupActions(conversationId: () => string, options: UseGroupActionsOptions = {}) {
  const asking = ref<GroupQuestion | null>(null);
  const busy = ref(false);
  const error = ref<string | null>(null);

  async function run(action: () => Promise<unknown>, fallback: string): Promise<boolean> {
    if (busy.value) return false;
    busy.value = true;
    error.value = null;
    try {
      await action();
      return true;
    } catch (e) {
      error.value = describeError(e, fallback);
      return false;
    } finally {
      busy.value = false;
    }
  }

  const rename = (title: string) => run(() => engine.renameGroup(conversationId(), title), 'Could not rename the group.');
  const add = (users: readonly User[]) =>
    run(
      () =>
        engine.addMembers(
          conversationId(),
          users.map((u) => toRaw(u).id),
        ),
      'Could not add them.',
    );

  const makeAdmin = (userId: string) => run(() => engine.makeAdmin(conversationId(), userId), 'Could not make them an admin.');

  function ask(question: GroupQuestion) {
    error.value = null;
    asking.value = question;
  }

  function cancel() {
    if (!busy.value) asking.value = null;
  }

  async function confirm() {
    const question = asking.value;
    if (!question) return;
    const done =
      question.kind === 'leave'
        ? await run(() => engine.leaveGroup(conversationId()), 'Could not leave the group.')
        : await run(() => engine.removeMember(conversationId(), question.userId), 'Could not remove them.');
    if (!done) return;
    asking.value = null;
    if (question.kind === 'leave') options.onLeft?.();
  }

  return { asking, busy, error, rename, add, makeAdmin, ask, cancel, confirm };
}
