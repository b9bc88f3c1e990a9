import type { SystemEvent } from '@pigeon/sync-protocol';

/**
 * The line a group's system message shows ("Ana added Bo and Cy"). Pure: names come from
 * `nameOf`, and the reader is "You" where they are the one named, as WhatsApp and Signal do.
 */
export function describeSystemEvent(event: SystemEvent, nameOf: (userId: string) => string, me: string): string {
  const who = (id: string) => (id === me ? 'You' : nameOf(id));
  const whom = (id: string) => (id === me ? 'you' : nameOf(id));
  const actor = who(event.actorId);
  const users = event.userIds ?? [];
  switch (event.kind) {
    case 'group-created':
      return `${actor} created the group “${event.title ?? ''}”`;
    case 'members-added':
      return `${actor} added ${list(users.map(whom))}`;
    case 'member-removed':
      return `${actor} removed ${list(users.map(whom))}`;
    case 'member-left':
      return `${list(users.map(who))} left`;
    case 'title-changed':
      return `${actor} changed the group name to “${event.title ?? ''}”`;
    case 'member-promoted':
      return `${actor} made ${list(users.map(whom))} an admin`;
  }
}

/** "A", "A and B", "A, B and C". */
function list(names: string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
