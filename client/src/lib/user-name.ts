import type { User } from '@pigeon/sync-protocol';

/** What a person's name falls back to when this device holds nothing of them. */
export const UNKNOWN_USER = 'Unknown user';

/** The name shown for a person: their display name, else their username. */
export const userName = (user: User): string => user.displayName || user.username;
