import type { PigeonIo } from './types.ts';

/**
 * `sync-hint` to every connected device on every node (issue #14): this node's Redis
 * links are back, and whatever it published while they were down (new messages,
 * statuses, presence) never reached the other nodes, nor theirs this one. Lost events
 * leave no gap a device could see, so it is told: the engine answers with one catch-up
 * pass through /api/sync.
 *
 * Every node that recovers broadcasts it, not only to its own devices: a device on
 * node B must catch up on what node A lost, even if B's links came back first.
 * Hints from several nodes cost a device one pass (plus one after, at most).
 */
export function broadcastSyncHint(io: PigeonIo): void {
  io.emit('sync-hint', { reason: 'redis-recovered' });
}
