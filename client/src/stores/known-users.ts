import type { User } from '@pigeon/sync-protocol';
import { shallowReactive } from 'vue';

/**
 * Profiles this page has seen outside the local database: people search results and the people
 * picked for a group. The engine stores the profiles of 1:1 peers, not of every group member, so
 * a group's names fall back to these (for the page's lifetime) before "Unknown user".
 */
const known = shallowReactive(new Map<string, User>());

export function rememberUsers(users: readonly User[]): void {
  for (const user of users) known.set(user.id, user);
}

/** Reactive. */
export function knownUser(userId: string): User | undefined {
  return known.get(userId);
}
