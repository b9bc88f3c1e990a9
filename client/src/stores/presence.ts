import type { User } from '@pigeon/sync-protocol';
import { reactive } from 'vue';
import { engine } from '../engine.ts';

export interface Presence {
  online: boolean;
  lastSeen: string | null;
}

/** Presence heard live since the page loaded; it wins over the (possibly stale) cached user row. */
const live = reactive(new Map<string, Presence>());

let tracking = false;

export function trackPresence(): void {
  if (tracking) return;
  tracking = true;
  engine.on('presence', ({ userId, online, lastSeen }) => {
    live.set(userId, { online, lastSeen });
  });
  // While we are offline nobody's "online" can be trusted: fall back to the cached last seen.
  engine.on('state', ({ connection }) => {
    if (connection === 'offline') live.clear();
  });
}

/** Reactive: the best known presence of a user. */
export function presenceOf(user: Pick<User, 'id' | 'online' | 'lastSeen'>): Presence {
  return live.get(user.id) ?? { online: user.online, lastSeen: user.lastSeen };
}
