import { maxStatus, type Message, type MessageStatus } from '@pigeon/sync-protocol';
import type { MemberPositions, Store } from '../store/store.ts';
import { isGroupId } from './memberships.ts';

/**
 * The copies of other members' group messages a member reads back (`/api/sync`, history) carry at
 * least that member's own progress: `read` up to their read position, `delivered` up to their
 * delivered one. The stored status is the aggregate over every other member, which says less than
 * the reader's own receipts; a device that had lost its receipts (another account signed in on
 * it and its data was cleared) stored those copies lower than it had shown them, so messages it
 * had read came back unread (finding G1 in docs/reliability.md). The sender's own messages keep
 * the aggregate: that is their ticks.
 */
export async function withViewerProgress(
  store: Pick<Store, 'positionsOf'>,
  viewerId: string,
  messages: readonly Message[],
): Promise<Message[]> {
  const groups = [...new Set(messages.filter((m) => isGroupId(m.conversationId) && m.senderId !== viewerId).map((m) => m.conversationId))];
  if (groups.length === 0) return [...messages];
  const positions = new Map<string, MemberPositions | null>(
    await Promise.all(groups.map(async (id) => [id, await store.positionsOf(id, viewerId)] as const)),
  );
  return messages.map((m) => {
    const p = m.senderId === viewerId ? undefined : positions.get(m.conversationId);
    if (!p) return m;
    const own: MessageStatus | null = m.seq <= p.readSeq ? 'read' : m.seq <= p.deliveredSeq ? 'delivered' : null;
    if (own === null) return m;
    const status = maxStatus(m.status, own);
    return status === m.status ? m : { ...m, status };
  });
}
