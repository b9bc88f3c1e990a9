import type { User } from '@pigeon/sync-protocol';
import { engine } from '../engine.ts';

/**
 * Profiles this page met outside any conversation: people search results, and so the people
 * picked for a group. They go into the engine's database (unless it has them already), where
 * every name the app shows is read from (useUserNames, the chat list): a group created offline
 * names its members after a reload too, and nothing of them outlives the account's data.
 */
export function rememberUsers(users: readonly User[]): void {
  if (users.length === 0 || !engine.getState().userId) return;
  engine.rememberUsers(users).catch((e: unknown) => console.warn('[users]', e));
}
