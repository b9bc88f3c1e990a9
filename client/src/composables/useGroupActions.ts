import type { User } from '@pigeon/sync-protocol';
import { ref, toRaw } from 'vue';
import { engine } from '../engine.ts';
import { t } from '../i18n/index.ts';
import { describeError } from '../lib/errors.ts';

/** A change that asks first: removing someone, or leaving. */
export type GroupQuestion = { kind: 'remove'; userId: string; name: string } | { kind: 'leave' };

/** The confirmation's strings for a question about the group titled `title`. */
export function questionText(question: GroupQuestion, title: string) {
  return question.kind === 'leave'
    ? { title: t('chat.group.leaveTitle', { title }), text: t('chat.group.leaveText'), confirm: t('chat.group.leave'), busy: t('chat.group.leaving') }
    : {
        title: t('chat.group.removeTitle', { name: question.name }),
        text: t('chat.group.removeText', { name: question.name }),
        confirm: t('chat.group.removeConfirm'),
        busy: t('chat.group.removing'),
      };
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

  const rename = (title: string) => run(() => engine.renameGroup(conversationId(), title), t('chat.group.renameFailed'));
  const add = (users: readonly User[]) =>
    run(
      () =>
        engine.addMembers(
          conversationId(),
          users.map((u) => toRaw(u).id),
        ),
      t('chat.group.addFailed'),
    );

  const makeAdmin = (userId: string) => run(() => engine.makeAdmin(conversationId(), userId), t('chat.group.makeAdminFailed'));

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
        ? await run(() => engine.leaveGroup(conversationId()), t('chat.group.leaveFailed'))
        : await run(() => engine.removeMember(conversationId(), question.userId), t('chat.group.removeFailed'));
    if (!done) return;
    asking.value = null;
    if (question.kind === 'leave') options.onLeft?.();
  }

  return { asking, busy, error, rename, add, makeAdmin, ask, cancel, confirm };
}
