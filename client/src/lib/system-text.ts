import type { SystemEvent } from '@pigeon/sync-protocol';
import { t } from '../i18n/index.ts';

/**
 * The line a group's system message shows ("Ana added Bo and Cy"). Pure: names come from
 * `nameOf`, and the reader is "You" where they are the one named, as WhatsApp and Signal do.
 * "You" as the actor or the only one named has sentences of its own: French conjugates
 * ("Vous avez ajouté Bo") and moves the pronoun ("Ana vous a ajouté").
 */
export function describeSystemEvent(event: SystemEvent, nameOf: (userId: string) => string, me: string): string {
  const line = describeChange(event, nameOf, me);
  // The last admin went: whom the server promoted, said after it ("Ana left. Bo is now an admin").
  const promoted = event.promotedIds ?? [];
  if (promoted.length === 0) return line;
  const onlyMe = promoted.length === 1 && promoted[0] === me;
  const then = onlyMe ? t('chat.system.nowAdminYou') : t('chat.system.nowAdmin', { users: subjects(promoted, nameOf, me) });
  return t('chat.system.andThen', { first: line, then });
}

function describeChange(event: SystemEvent, nameOf: (userId: string) => string, me: string): string {
  const whom = (id: string) => (id === me ? t('chat.youObject') : nameOf(id));
  const byMe = event.actorId === me;
  const actor = byMe ? t('chat.you') : nameOf(event.actorId);
  const ids = event.userIds ?? [];
  const onlyMe = ids.length === 1 && ids[0] === me;
  const users = list(ids.map(whom));
  const title = event.title ?? '';
  switch (event.kind) {
    case 'group-created':
      return byMe ? t('chat.system.createdByYou', { title }) : t('chat.system.created', { actor, title });
    case 'members-added':
      return byMe ? t('chat.system.addedByYou', { users }) : onlyMe ? t('chat.system.addedYou', { actor }) : t('chat.system.added', { actor, users });
    case 'member-removed':
      return byMe ? t('chat.system.removedByYou', { users }) : onlyMe ? t('chat.system.removedYou', { actor }) : t('chat.system.removed', { actor, users });
    case 'member-left':
      return onlyMe ? t('chat.system.leftYou') : t('chat.system.left', { users: subjects(ids, nameOf, me) }, ids.length);
    case 'title-changed':
      return byMe ? t('chat.system.renamedByYou', { title }) : t('chat.system.renamed', { actor, title });
    case 'member-promoted':
      return byMe ? t('chat.system.promotedByYou', { users }) : onlyMe ? t('chat.system.promotedYou', { actor }) : t('chat.system.promoted', { actor, users });
  }
}

/** The people a sentence is about, as its subject: "You" for the reader ("Bo and you left"). */
function subjects(ids: readonly string[], nameOf: (userId: string) => string, me: string): string {
  return list(ids.map((id) => (id === me ? t('chat.you') : nameOf(id))));
}

/** "A", "A and B", "A, B and C". */
function list(names: string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return t('chat.system.and', { rest: names.slice(0, -1).join(', '), last: names[names.length - 1]! });
}
